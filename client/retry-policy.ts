import type { RetryConfig } from './config';

/** How one attempt ended, as far as the retry decision cares. */
export type AttemptOutcome =
  | { kind: 'response'; status: number; /** From `Retry-After`, when the server sent one. */ retryAfterMs?: number }
  | { kind: 'timeout' }
  | { kind: 'network_error' };

export interface AttemptInfo {
  /** The attempt that just ended, 1-based. */
  number: number;
  /** Time since the first attempt began, in ms. */
  elapsedMs: number;
}

export type RetryDecision = { retry: false } | { retry: true; delayMs: number };

/**
 * Whether an answer may be retried with the same request (and key). Only what cannot have changed
 * anything for good: no answer at all (the server may or may not have acted; the key makes the
 * retry safe either way), 409 (the first request is still running), 429 and 5xx (nothing was
 * stored; the server released the key). A 4xx other than 409/429 gives the same answer every time.
 */
export function isRetryable(outcome: AttemptOutcome): boolean {
  if (outcome.kind !== 'response') return true;
  const { status } = outcome;
  return status === 409 || status === 429 || (status >= 500 && status <= 599);
}

/** Full jitter: uniform in [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))), so retrying clients spread out. */
export function backoffMs(attemptNumber: number, config: Pick<RetryConfig, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceilingMs = Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** (attemptNumber - 1));
  return Math.floor(config.random() * ceilingMs);
}

/**
 * The retry decision, pure: given how an attempt ended, which attempt it was and how long the call
 * has run, retry after `delayMs` or stop. The delay is the jittered backoff, but never less than
 * the server's `Retry-After` (itself capped at `maxRetryAfterMs`).
 */
export function shouldRetry(outcome: AttemptOutcome, attempt: AttemptInfo, config: RetryConfig): RetryDecision {
  if (!isRetryable(outcome)) return { retry: false };
  if (attempt.number >= config.maxAttempts) return { retry: false };
  const retryAfterMs = outcome.kind === 'response' && outcome.retryAfterMs !== undefined ? outcome.retryAfterMs : 0;
  const delayMs = Math.max(backoffMs(attempt.number, config), Math.min(retryAfterMs, config.maxRetryAfterMs));
  if (attempt.elapsedMs + delayMs > config.maxElapsedMs) return { retry: false };
  return { retry: true, delayMs };
}
