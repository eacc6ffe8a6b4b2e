import type { Problem } from './types';

export interface PaymentsErrorInit {
  code: string;
  message: string;
  /** Requests made, the first included. */
  attempts: number;
  /** The key of the payment the error is about; undefined for `getPayment`. */
  idempotencyKey?: string;
  /** True when retrying later with the same key is safe and may succeed. */
  retryable: boolean;
  cause?: unknown;
}

/**
 * The one base class of the client's errors. `code` is stable: the API's problem code
 * (`card_declined`, `idempotency_key_reused`, ...) or, when no answer came, `timeout` or
 * `network_error`. `idempotencyKey` names the payment, so a caller can retry it later as the same
 * payment, never as a new one.
 */
export class PaymentsError extends Error {
  override name = 'PaymentsError';
  readonly code: string;
  readonly attempts: number;
  readonly idempotencyKey: string | undefined;
  readonly retryable: boolean;
  constructor(init: PaymentsErrorInit) {
    super(init.message, { cause: init.cause });
    this.code = init.code;
    this.attempts = init.attempts;
    this.idempotencyKey = init.idempotencyKey;
    this.retryable = init.retryable;
  }
}

/**
 * No answer after the last attempt (timeout or connection failure). The payment may or may not
 * exist: retry with the same `idempotencyKey` to find out, never with a new one.
 */
export class PaymentsConnectionError extends PaymentsError {
  override name = 'PaymentsConnectionError';
}

export interface ApiErrorInit extends Omit<PaymentsErrorInit, 'message'> {
  status: number;
  problem: Problem;
  /** The answer was replayed from an earlier request with the same key. */
  replayed: boolean;
  /** From `Retry-After`, when the server sent one. */
  retryAfterMs?: number;
}

/** The API answered with an error (problem+json); `problem` is the document as received. */
export class PaymentsApiError extends PaymentsError {
  override name = 'PaymentsApiError';
  readonly status: number;
  readonly problem: Problem;
  readonly replayed: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(init: ApiErrorInit) {
    super({ ...init, message: init.problem.detail ?? init.problem.title });
    this.status = init.status;
    this.problem = init.problem;
    this.replayed = init.replayed;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 402: the card was declined. The failed payment is recorded; a new attempt needs a new key. */
export class CardDeclinedError extends PaymentsApiError {
  override name = 'CardDeclinedError';
  /** The recorded (failed) payment; `getPayment` returns it. */
  get paymentId(): string | undefined {
    return typeof this.problem.payment === 'string' ? this.problem.payment : undefined;
  }
}

/** 422: this key was first used with a different request. A bug in the caller: one key, one payment. */
export class IdempotencyKeyReusedError extends PaymentsApiError {
  override name = 'IdempotencyKeyReusedError';
}

/** 409 on the last attempt: the first request with this key is still running. Retry later, same key. */
export class RequestInProgressError extends PaymentsApiError {
  override name = 'RequestInProgressError';
}

/** 400, 405, 413, 415: the request itself is wrong; fix it, then send it with a new key. */
export class InvalidRequestError extends PaymentsApiError {
  override name = 'InvalidRequestError';
}

/** 401: no secret key, or one the API does not accept (unknown, revoked, of the other mode); 403: a tenant the gateway does not know yet. */
export class AuthenticationError extends PaymentsApiError {
  override name = 'AuthenticationError';
}

/** 404: no such payment for this tenant (another tenant's payment is a 404 too). */
export class NotFoundError extends PaymentsApiError {
  override name = 'NotFoundError';
}

/** 5xx or 429 on the last attempt: nothing was stored for the key. Retry later, same key. */
export class ServerError extends PaymentsApiError {
  override name = 'ServerError';
}
