/** When and how often the client retries; every field has a default (see `DEFAULT_RETRY_CONFIG`). */
export interface RetryConfig {
  /**
   * Requests per call in all, the first one included.
   * @default 5
   */
  maxAttempts: number;
  /**
   * The backoff before the first retry may be up to this long; it doubles with each retry.
   * @default 250
   */
  baseDelayMs: number;
  /**
   * Upper bound of the exponential backoff, whatever the attempt number.
   * @default 5000
   */
  maxDelayMs: number;
  /**
   * Longest `Retry-After` the client waits for. A 409's `Retry-After` is when the first request's
   * lease ends, its worst case (10-30 s); it usually finishes far sooner, and a retry too early
   * costs one 409 (one DynamoDB read).
   * @default 2000
   */
  maxRetryAfterMs: number;
  /**
   * No retry is started later than this after the first attempt began; a started attempt still
   * runs up to its own timeout.
   * @default 60000
   */
  maxElapsedMs: number;
  /**
   * Random numbers in [0, 1) for the jitter; injectable so tests are deterministic.
   * @default Math.random
   */
  random: () => number;
}

export const DEFAULT_RETRY_CONFIG: RetryConfig = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 2_000,
  maxElapsedMs: 60_000,
  random: Math.random,
};

/**
 * One attempt's timeout: a little over API Gateway's 29 s integration timeout, so a gateway
 * answer (504) arrives before the client gives up on its own.
 */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** What the client tells `onRetry` before it waits and tries again. */
export interface RetryEvent {
  method: string;
  path: string;
  /** The key being retried (POST /payments); undefined for GET. */
  idempotencyKey: string | undefined;
  /** The attempt that just failed, 1-based. */
  attempt: number;
  /** Why: an HTTP status, `timeout` or `network_error`. */
  reason: number | 'timeout' | 'network_error';
  delayMs: number;
}

export interface ClientOptions {
  /** The API's root, e.g. `http://127.0.0.1:3000` or `https://abc123.execute-api.eu-west-1.amazonaws.com/prod`. */
  baseUrl: string;
  /**
   * The tenant's secret key (`sk_test_…` / `sk_live_…`), sent as `Authorization: Bearer …`. The
   * API takes the tenant, which idempotency keys and payments belong to, from the key. Keep it on
   * a server: a browser or an app that holds it gives it away.
   */
  secretKey: string;
  /**
   * One attempt's timeout, in ms; the attempt is aborted (AbortController) when it passes.
   * @default 30000
   */
  timeoutMs?: number;
  /** Overrides of the retry defaults. */
  retry?: Partial<RetryConfig>;
  /**
   * The fetch to use, e.g. one with a custom agent.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /** Called before each retry, e.g. to log it. */
  onRetry?: (event: RetryEvent) => void;
}
