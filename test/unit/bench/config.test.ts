import { benchConfigFromEnv } from '../../../bench/config';

describe('bench configuration', () => {
  test('the latency-model run is on unless BENCH_LATENCY_MODEL=0', () => {
    expect(benchConfigFromEnv({}).latencyModel).toBe(true);
    expect(benchConfigFromEnv({ BENCH_LATENCY_MODEL: '0' }).latencyModel).toBe(false);
  });

  test('counts must be positive integers', () => {
    expect(() => benchConfigFromEnv({ BENCH_COLDSTART_RUNS: '0' })).toThrow('BENCH_COLDSTART_RUNS');
    expect(benchConfigFromEnv({}).coldStartRuns).toBe(30);
  });

  test('a quick run can write its results elsewhere, so the recorded ones stay', () => {
    expect(benchConfigFromEnv({}).resultsDir).toBe('bench');
    expect(benchConfigFromEnv({ BENCH_RESULTS_DIR: '/tmp/bench-quick' }).resultsDir).toBe('/tmp/bench-quick');
  });

  test('concurrencies are positive integers too', () => {
    expect(benchConfigFromEnv({ BENCH_CONCURRENCY: '1, 8' }).concurrencies).toEqual([1, 8]);
    expect(() => benchConfigFromEnv({ BENCH_CONCURRENCY: '1,x' })).toThrow('BENCH_CONCURRENCY');
  });
});

test('a knob that is not a number is refused by name, not taken as NaN', () => {
  expect(() => benchConfigFromEnv({ BENCH_ROUNDS: 'four' })).toThrow('BENCH_ROUNDS must be an integer');
  expect(() => benchConfigFromEnv({ BENCH_REQUESTS: '1e400' })).toThrow('BENCH_REQUESTS');
  expect(() => benchConfigFromEnv({ BENCH_LATENCY_MODEL: 'maybe' })).toThrow('BENCH_LATENCY_MODEL');
  expect(benchConfigFromEnv({ BENCH_ROUNDS: ' 3 ' }).rounds).toBe(3);
});
