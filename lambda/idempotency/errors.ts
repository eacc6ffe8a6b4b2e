import { HttpError, IdempotencyProblems, retryAfterSeconds } from './http';
import type { IdempotencyRecord } from './record';

/** 409: the first request with this key is still running; retry after its lease lapses. */
export class RequestInProgressError extends HttpError {
  override name = 'RequestInProgressError';
  constructor(retryAfterMs: number) {
    const seconds = retryAfterSeconds(retryAfterMs);
    super(IdempotencyProblems.request_in_progress, `A request with this Idempotency-Key is still being processed. Retry in ${seconds} s.`, {
      headers: { 'Retry-After': String(seconds) },
    });
  }
}

/** 422: the key was first used with a different method, path or body. */
export class KeyReusedError extends HttpError {
  override name = 'KeyReusedError';
  constructor() {
    super(
      IdempotencyProblems.idempotency_key_reused,
      'This Idempotency-Key was already used with a different request. Use a new key for a new operation.',
    );
  }
}

/**
 * 503: DynamoDB did not answer (after the SDK's own retries). The outcome is unknown: a claim
 * whose answer was lost may have landed (recovery then finishes it), a completion may come after
 * a charge. Either way the same key, retried, finds out without charging twice.
 */
export class StoreUnavailableError extends HttpError {
  override name = 'StoreUnavailableError';
  constructor(cause: unknown, detail = 'The idempotency store is unavailable. Retry with the same Idempotency-Key.') {
    super(IdempotencyProblems.store_unavailable, detail, { cause, headers: { 'Retry-After': String(retryAfterSeconds(1_000)) } });
  }
}

/**
 * 500: DynamoDB refused the write as invalid (a ValidationException: key or item too large, a bad
 * value) or the table cannot be used as configured (missing, no permission). Retrying the same
 * request cannot fix it, so it carries no `Retry-After`: a 503 would make clients loop and show
 * operators an outage that is not one.
 */
export class StoreRejectedError extends HttpError {
  override name = 'StoreRejectedError';
  constructor(cause: unknown) {
    super(IdempotencyProblems.store_rejected, 'The idempotency store refused this write as invalid; retrying the same request will not help.', {
      cause,
    });
  }
}

/**
 * The holder's lease was taken over (or the record changed) before it could write: its writes
 * were rejected by condition. Carries what the record holds now, so the caller can answer from it.
 */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly current: IdempotencyRecord | undefined) {
    super('the idempotency lease was lost to another invocation');
  }
}
