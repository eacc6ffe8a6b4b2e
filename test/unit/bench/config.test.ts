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
});
