import { ConfigError, configFromEnv, DEFAULT_IDEMPOTENCY_TTL_SECONDS, FUNCTION_TIMEOUT_SECONDS } from '../../../lambda/payments/config';
import { localSettingsFromEnv } from '../../../local/settings';
import { DEFAULT_TABLE_NAME } from '../../../lambda/shared/table';

describe('configuration from the environment', () => {
  test('an empty environment gives the documented defaults', () => {
    expect(configFromEnv({})).toEqual({
      tableName: DEFAULT_TABLE_NAME,
      idempotencyTtlSeconds: DEFAULT_IDEMPOTENCY_TTL_SECONDS,
      functionTimeoutSeconds: 10,
      defaultLeaseMs: 30_000,
      leaseMarginMs: 1_000,
      replayCacheEntries: 1000,
      recovery: { windowSeconds: Number.POSITIVE_INFINITY },
      processor: { latencyMs: 0, failureRate: 0 },
    });
    expect(DEFAULT_IDEMPOTENCY_TTL_SECONDS).toBe(86_400);
  });

  test('each variable overrides its field', () => {
    const config = configFromEnv({
      TABLE_NAME: 'payments-prod',
      IDEMPOTENCY_TTL_SECONDS: '60',
      PROCESSOR_LATENCY_MS: '250',
      PROCESSOR_FAILURE_RATE: '0.25',
      REPLAY_CACHE_ENTRIES: '0',
    });
    expect(config).toMatchObject({
      tableName: 'payments-prod',
      idempotencyTtlSeconds: 60,
      replayCacheEntries: 0,
      processor: { latencyMs: 250, failureRate: 0.25 },
    });
  });

  test.each([
    ['IDEMPOTENCY_TTL_SECONDS', '0'],
    ['IDEMPOTENCY_TTL_SECONDS', '1.5'],
    ['IDEMPOTENCY_TTL_SECONDS', 'a day'],
    ['PROCESSOR_FAILURE_RATE', '1.01'],
    ['PROCESSOR_FAILURE_RATE', '-0.1'],
    ['PROCESSOR_LATENCY_MS', '-1'],
    ['REPLAY_CACHE_ENTRIES', 'lots'],
    ['FUNCTION_TIMEOUT_SECONDS', '0'],
    ['FUNCTION_TIMEOUT_SECONDS', '901'],
    ['RECOVERY_WINDOW_SECONDS', '0'],
  ])('%s=%j is refused with a message naming the variable', (name, value) => {
    expect(() => configFromEnv({ [name]: value })).toThrow(ConfigError);
    expect(() => configFromEnv({ [name]: value })).toThrow(name);
  });

  test('a retention shorter than the longest lease (function timeout + 1 s margin) is refused with the reason', () => {
    expect(() => configFromEnv({ IDEMPOTENCY_TTL_SECONDS: '10' })).toThrow(/IDEMPOTENCY_TTL_SECONDS.*at least the longest lease.*10 s \+ 1 s = 11 s/);
    expect(() => configFromEnv({ IDEMPOTENCY_TTL_SECONDS: '20', FUNCTION_TIMEOUT_SECONDS: '30' })).toThrow(ConfigError);
    expect(configFromEnv({ IDEMPOTENCY_TTL_SECONDS: '11' }).idempotencyTtlSeconds).toBe(11);
    expect(configFromEnv({ IDEMPOTENCY_TTL_SECONDS: '20', FUNCTION_TIMEOUT_SECONDS: '3' })).toMatchObject({ functionTimeoutSeconds: 3 });
  });

  test('local mode emulates the timeout the function is told, from the same variable', () => {
    expect(localSettingsFromEnv({ FUNCTION_TIMEOUT_SECONDS: '3' }, []).functionTimeoutSeconds).toBe(3);
    expect(localSettingsFromEnv({}, []).functionTimeoutSeconds).toBe(FUNCTION_TIMEOUT_SECONDS);
  });
});
