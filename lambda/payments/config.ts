import { DEFAULT_TABLE_NAME } from '../shared/table';

/** Everything the payments function needs to know, typed and defaulted in one place. */
export interface AppConfig {
  /**
   * DynamoDB table holding idempotency records, payments and simulated charges.
   * @default 'idempotent-payments'
   */
  tableName: string;
  /**
   * How long a completed key is replayed, in seconds. 24 h matches what payment APIs promise and
   * covers a client retrying across a long outage; past it the same key is a new request.
   * @default 86400
   */
  idempotencyTtlSeconds: number;
  /**
   * Lease used when there is no Lambda context to read the remaining time from (tests, scripts).
   * @default 30000
   */
  defaultLeaseMs: number;
  /**
   * Added to the function's remaining time to make the lease: two containers' clocks can
   * disagree by this much, and a lease must not lapse while its holder can still run.
   * @default 1000
   */
  leaseMarginMs: number;
  /**
   * Completed records each warm container keeps to replay without DynamoDB; 0 turns it off.
   * @default 1000
   */
  replayCacheEntries: number;
  /** The simulated payment processor. */
  processor: {
    /**
     * Delay after a charge is recorded and before the answer comes back, in ms: the window in
     * which a real network can lose the answer to a charge that went through.
     * @default 0
     */
    latencyMs: number;
    /**
     * Probability (0..1) of a transient failure, half of them before the charge is recorded and
     * half after it (the answer is lost).
     * @default 0
     */
    failureRate: number;
  };
}

export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 86_400;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function numberFromEnv(env: Env, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    throw new ConfigError(`${name} must be ${kind} from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** Reads the configuration from environment variables. Called once, at the edge. */
export function configFromEnv(env: Env): AppConfig {
  return {
    tableName: env.TABLE_NAME?.trim() || DEFAULT_TABLE_NAME,
    idempotencyTtlSeconds: numberFromEnv(env, 'IDEMPOTENCY_TTL_SECONDS', DEFAULT_IDEMPOTENCY_TTL_SECONDS, 1, 365 * 86_400, true),
    defaultLeaseMs: 30_000,
    leaseMarginMs: 1_000,
    replayCacheEntries: numberFromEnv(env, 'REPLAY_CACHE_ENTRIES', 1000, 0, 100_000, true),
    processor: {
      latencyMs: numberFromEnv(env, 'PROCESSOR_LATENCY_MS', 0, 0, 600_000, true),
      failureRate: numberFromEnv(env, 'PROCESSOR_FAILURE_RATE', 0, 0, 1, false),
    },
  };
}
