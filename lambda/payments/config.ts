import { DEFAULT_LEASE_MARGIN_MS, DEFAULT_LEASE_MS } from '../idempotency/middleware';
import { ConfigError, type Env, numberFromEnv, urlFromEnv } from '../shared/env';
import { DEFAULT_TABLE_NAME } from '../shared/table';
import { STRIPE_SECRET_KEY, type StripeSettings } from '../stripe/client';
import { STRIPE_IDEMPOTENCY_WINDOW_MS } from '../stripe/processor';

/** Everything the payments function needs to know, typed and defaulted in one place. */
export interface AppConfig {
  /**
   * DynamoDB table holding idempotency records, payments and simulated charges.
   * @default 'idempotent-payments'
   */
  tableName: string;
  /**
   * How long a completed key is replayed, counted from its completion, in seconds. 24 h matches
   * what payment APIs promise and covers a client retrying across a long outage; past it the same
   * key is a new request. A key still IN_PROGRESS never expires. At least the longest lease.
   * @default 86400
   */
  idempotencyTtlSeconds: number;
  /**
   * The function's timeout, in seconds (Lambda does not tell a function its own timeout, so the
   * stack passes it). The longest lease is this plus the lease margin.
   * @default FUNCTION_TIMEOUT_SECONDS (10)
   */
  functionTimeoutSeconds: number;
  /**
   * Lease used when there is no Lambda context to read the remaining time from (tests, scripts).
   * @default DEFAULT_LEASE_MS (30000)
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
  /** The recovery worker, which finishes in-progress payments whose holder died. */
  recovery: {
    /**
     * How long after a payment's first claim recovery keeps re-driving it, in seconds; then it is
     * marked needs-attention. Must end before the processor forgets its idempotency keys.
     * @default Infinity with the simulator (it deduplicates for ever); STRIPE_RECOVERY_WINDOW_SECONDS (23 h) with Stripe
     */
    windowSeconds: number;
  };
  /**
   * Charge through Stripe with these settings (`PAYMENT_PROCESSOR=stripe`) instead of the simulator.
   * @default undefined (the simulated processor)
   */
  stripe?: StripeSettings;
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
/** Bounds of IDEMPOTENCY_TTL_SECONDS: a year is far past any processor's idempotency window. */
export const MAX_IDEMPOTENCY_TTL_SECONDS = 365 * 86_400;

/**
 * The payments function's timeout in the stack, and local mode's emulated one. 10 s: a request is
 * three DynamoDB calls and one processor call; the lease follows the timeout, so it is also how
 * long a crashed or frozen invocation can hold a key. Lambda's own default would be 3 s.
 */
export const FUNCTION_TIMEOUT_SECONDS = 10;
/** Lambda's bounds for a function timeout. */
export const MAX_FUNCTION_TIMEOUT_SECONDS = 900;

/**
 * Why a retention is refused, or undefined when it is fine. A retention shorter than the longest
 * lease would let a completed result expire while a duplicate of its request could still be
 * holding or waiting on the key; the function, local mode and the stack all refuse it.
 */
export function retentionProblem(ttlSeconds: number, functionTimeoutSeconds: number, leaseMarginMs = DEFAULT_LEASE_MARGIN_MS): string | undefined {
  const longestLeaseSeconds = Math.ceil(functionTimeoutSeconds + leaseMarginMs / 1000);
  if (ttlSeconds >= longestLeaseSeconds) return undefined;
  return (
    `the idempotency retention (${ttlSeconds} s) must be at least the longest lease, the function timeout plus ` +
    `the lease margin (${functionTimeoutSeconds} s + ${leaseMarginMs / 1000} s = ${longestLeaseSeconds} s)`
  );
}

/**
 * Recovery's window with Stripe: Stripe keeps a key's result at least 24 h; the hour before that
 * leaves room for the last re-drive and for clocks, and past it the record needs attention.
 */
export const STRIPE_RECOVERY_WINDOW_SECONDS = STRIPE_IDEMPOTENCY_WINDOW_MS / 1000 - 3600;

export { ConfigError } from '../shared/env';

/** FUNCTION_TIMEOUT_SECONDS: read by the function and by local mode, which emulates that timeout. */
export const functionTimeoutFromEnv = (env: Env) =>
  numberFromEnv(env, 'FUNCTION_TIMEOUT_SECONDS', FUNCTION_TIMEOUT_SECONDS, 1, MAX_FUNCTION_TIMEOUT_SECONDS, true);

/** Reads the configuration from environment variables. Called once, at the edge. */
export function configFromEnv(env: Env): AppConfig {
  const idempotencyTtlSeconds = numberFromEnv(env, 'IDEMPOTENCY_TTL_SECONDS', DEFAULT_IDEMPOTENCY_TTL_SECONDS, 1, MAX_IDEMPOTENCY_TTL_SECONDS, true);
  const functionTimeoutSeconds = functionTimeoutFromEnv(env);
  const problem = retentionProblem(idempotencyTtlSeconds, functionTimeoutSeconds);
  if (problem) throw new ConfigError(`IDEMPOTENCY_TTL_SECONDS: ${problem}`);
  const stripe = stripeFromEnv(env);
  return {
    tableName: env.TABLE_NAME?.trim() || DEFAULT_TABLE_NAME,
    idempotencyTtlSeconds,
    functionTimeoutSeconds,
    defaultLeaseMs: DEFAULT_LEASE_MS,
    leaseMarginMs: DEFAULT_LEASE_MARGIN_MS,
    replayCacheEntries: numberFromEnv(env, 'REPLAY_CACHE_ENTRIES', 1000, 0, 100_000, true),
    ...(stripe ? { stripe } : {}),
    recovery: {
      windowSeconds: stripe
        ? numberFromEnv(env, 'RECOVERY_WINDOW_SECONDS', STRIPE_RECOVERY_WINDOW_SECONDS, 1, STRIPE_RECOVERY_WINDOW_SECONDS, true)
        : numberFromEnv(env, 'RECOVERY_WINDOW_SECONDS', Number.POSITIVE_INFINITY, 1, MAX_IDEMPOTENCY_TTL_SECONDS, true),
    },
    processor: {
      latencyMs: numberFromEnv(env, 'PROCESSOR_LATENCY_MS', 0, 0, 600_000, true),
      failureRate: numberFromEnv(env, 'PROCESSOR_FAILURE_RATE', 0, 0, 1, false),
    },
  };
}

/** The processors PAYMENT_PROCESSOR may name. */
export const PaymentProcessorName = { Simulated: 'simulated', Stripe: 'stripe' } as const;

/** Hosts a plain-http STRIPE_API_BASE_URL may name: a test server on this machine, nothing else. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** PAYMENT_PROCESSOR and the STRIPE_* variables; undefined for the simulator. Secrets are never echoed. */
function stripeFromEnv(env: Env): StripeSettings | undefined {
  const name = env.PAYMENT_PROCESSOR?.trim() || PaymentProcessorName.Simulated;
  if (name === PaymentProcessorName.Simulated) return undefined;
  if (name !== PaymentProcessorName.Stripe) throw new ConfigError(`PAYMENT_PROCESSOR must be "simulated" or "stripe", got "${name.slice(0, 40)}"`);
  const secretKey = env.STRIPE_SECRET_KEY?.trim() || undefined;
  const secretId = env.STRIPE_SECRET_ID?.trim() || undefined;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET?.trim() || undefined;
  if (!secretKey && !secretId) throw new ConfigError('PAYMENT_PROCESSOR=stripe needs STRIPE_SECRET_KEY (or, in AWS, STRIPE_SECRET_ID naming a Secrets Manager secret)');
  if (secretKey && !STRIPE_SECRET_KEY.test(secretKey)) throw new ConfigError('STRIPE_SECRET_KEY must be a Stripe secret key (sk_test_…, sk_live_…, or a restricted rk_…)');
  if (webhookSecret && !/^whsec_[A-Za-z0-9_]+$/.test(webhookSecret)) throw new ConfigError('STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_…)');
  const apiBaseUrl = stripeBaseUrl(env);
  return {
    ...(secretKey ? { secretKey } : {}),
    ...(secretId ? { secretId } : {}),
    ...(webhookSecret ? { webhookSecret } : {}),
    ...(apiBaseUrl ? { apiBaseUrl } : {}),
    maxNetworkRetries: numberFromEnv(env, 'STRIPE_MAX_NETWORK_RETRIES', 2, 0, 5, true),
  };
}

function stripeBaseUrl(env: Env): URL | undefined {
  const url = urlFromEnv(env, 'STRIPE_API_BASE_URL', 'http://127.0.0.1:12111');
  if (!url) return undefined;
  const secure = url.protocol === 'https:';
  if (!secure && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new ConfigError('STRIPE_API_BASE_URL must be https, or plain http on loopback (127.0.0.1, localhost, [::1]) for a test server');
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username || url.password) {
    throw new ConfigError('STRIPE_API_BASE_URL must name only a scheme, host and port, e.g. http://127.0.0.1:12111');
  }
  return url;
}
