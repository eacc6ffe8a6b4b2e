import fc from 'fast-check';
import type { RetryConfig } from '../../../client/config';
import { type AttemptOutcome, backoffMs, shouldRetry } from '../../../client/retry-policy';

/** Round numbers so every expected delay can be worked out by hand. */
const config: RetryConfig = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 1_000,
  maxRetryAfterMs: 2_000,
  maxElapsedMs: 10_000,
  random: () => 0.5,
};
const first = { number: 1, elapsedMs: 0 };
const status = (code: number, retryAfterMs?: number): AttemptOutcome =>
  retryAfterMs === undefined ? { kind: 'response', status: code } : { kind: 'response', status: code, retryAfterMs };

describe('shouldRetry: which outcomes are retried (first attempt, random 0.5, so the backoff is 50 ms)', () => {
  test.each<[string, AttemptOutcome, ReturnType<typeof shouldRetry>]>([
    ['no answer: connection reset or refused', { kind: 'network_error' }, { retry: true, delayMs: 50 }],
    ['no answer: the attempt timed out', { kind: 'timeout' }, { retry: true, delayMs: 50 }],
    ['409 request_in_progress without Retry-After', status(409), { retry: true, delayMs: 50 }],
    ['409 request_in_progress, Retry-After 1 s', status(409, 1_000), { retry: true, delayMs: 1_000 }],
    ['429 too many requests, Retry-After 1 s', status(429, 1_000), { retry: true, delayMs: 1_000 }],
    ['500 internal_error', status(500), { retry: true, delayMs: 50 }],
    ['502 processor_unavailable, Retry-After 1 s', status(502, 1_000), { retry: true, delayMs: 1_000 }],
    ['503 store_unavailable, Retry-After 1 s', status(503, 1_000), { retry: true, delayMs: 1_000 }],
    ['504 gateway_timeout', status(504), { retry: true, delayMs: 50 }],
    ['400 invalid_request', status(400), { retry: false }],
    ['402 card_declined', status(402), { retry: false }],
    ['403 forbidden', status(403), { retry: false }],
    ['404 not_found', status(404), { retry: false }],
    ['405 method_not_allowed', status(405), { retry: false }],
    ['413 payload_too_large', status(413), { retry: false }],
    ['415 unsupported_media_type', status(415), { retry: false }],
    ['422 idempotency_key_reused', status(422), { retry: false }],
    ['422 even with a Retry-After', status(422, 1_000), { retry: false }],
    ['200 ok', status(200), { retry: false }],
    ['201 created', status(201), { retry: false }],
  ])('%s', (_label, outcome, expected) => {
    expect(shouldRetry(outcome, first, config)).toEqual(expected);
  });
});

describe('shouldRetry: how long to wait', () => {
  test('the backoff ceiling doubles with each attempt: 100, 200, 400, 800, then stays at maxDelayMs', () => {
    const almostOne = { ...config, random: () => 0.999_999 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, almostOne))).toEqual([99, 199, 399, 799, 999, 999]);
  });

  test('full jitter: the delay is random * ceiling, from 0 up to the ceiling', () => {
    expect(shouldRetry({ kind: 'timeout' }, { number: 3, elapsedMs: 0 }, { ...config, random: () => 0 })).toEqual({ retry: true, delayMs: 0 });
    expect(shouldRetry({ kind: 'timeout' }, { number: 3, elapsedMs: 0 }, { ...config, random: () => 0.25 })).toEqual({ retry: true, delayMs: 100 });
  });

  test('the random source is the injected one, called once per decision', () => {
    const random = jest.fn().mockReturnValueOnce(0.1).mockReturnValueOnce(0.9);
    const injected = { ...config, random };
    expect(shouldRetry({ kind: 'timeout' }, { number: 2, elapsedMs: 0 }, injected)).toEqual({ retry: true, delayMs: 20 });
    expect(shouldRetry({ kind: 'timeout' }, { number: 2, elapsedMs: 0 }, injected)).toEqual({ retry: true, delayMs: 180 });
    expect(random).toHaveBeenCalledTimes(2);
  });

  test('Retry-After is a floor: a longer backoff wins over it', () => {
    const almostOne = { ...config, random: () => 0.999_999 };
    expect(shouldRetry(status(503, 500), { number: 4, elapsedMs: 0 }, almostOne)).toEqual({ retry: true, delayMs: 799 });
  });

  test('Retry-After above maxRetryAfterMs is capped at maxRetryAfterMs', () => {
    expect(shouldRetry(status(409, 11_000), first, config)).toEqual({ retry: true, delayMs: 2_000 });
  });

  test('Retry-After 0 leaves the jittered backoff', () => {
    expect(shouldRetry(status(503, 0), first, config)).toEqual({ retry: true, delayMs: 50 });
  });

  test('property: the delay is never below the capped Retry-After nor above the larger of the two caps', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 60_000 }),
        (random, number, retryAfterMs) => {
          const decision = shouldRetry(status(503, retryAfterMs), { number, elapsedMs: 0 }, { ...config, random: () => random });
          if (!decision.retry) return false;
          const floor = Math.min(retryAfterMs, config.maxRetryAfterMs);
          return decision.delayMs >= floor && decision.delayMs <= Math.max(config.maxDelayMs, config.maxRetryAfterMs);
        },
      ),
    );
  });
});

describe('shouldRetry: bounds', () => {
  test('attempt 4 of 5 may still be retried', () => {
    expect(shouldRetry({ kind: 'timeout' }, { number: 4, elapsedMs: 0 }, config)).toEqual({ retry: true, delayMs: 400 });
  });

  test('attempt 5 of 5 is the last: no retry, whatever the outcome', () => {
    for (const outcome of [{ kind: 'timeout' }, { kind: 'network_error' }, status(409, 1_000), status(503)] as AttemptOutcome[]) {
      expect(shouldRetry(outcome, { number: 5, elapsedMs: 0 }, config)).toEqual({ retry: false });
    }
  });

  test('maxAttempts 1 means never retry', () => {
    expect(shouldRetry({ kind: 'network_error' }, first, { ...config, maxAttempts: 1 })).toEqual({ retry: false });
  });

  test('a retry that would start exactly at maxElapsedMs is allowed', () => {
    expect(shouldRetry(status(503, 1_000), { number: 1, elapsedMs: 9_000 }, config)).toEqual({ retry: true, delayMs: 1_000 });
  });

  test('a retry that would start after maxElapsedMs is not', () => {
    expect(shouldRetry(status(503, 1_000), { number: 1, elapsedMs: 9_001 }, config)).toEqual({ retry: false });
  });

  test('time already spent past maxElapsedMs stops retries even with no delay', () => {
    expect(shouldRetry({ kind: 'timeout' }, { number: 1, elapsedMs: 10_001 }, { ...config, random: () => 0 })).toEqual({ retry: false });
  });
});
