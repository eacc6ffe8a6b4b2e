import { HttpError } from '../http/errors';
import { problemOf } from '../http/problems';

export interface ChargeRequest {
  /** The processor deduplicates on this: the same key always yields the same charge. */
  idempotencyKey: string;
  amount: number;
  currency: string;
  source: string;
  description?: string | null;
  /**
   * What the charge belongs to on our side, stored with it at the processor, so a charge whose
   * payment never got written (an orphan) can be traced to its tenant, key and payment.
   */
  metadata: { tenant: string; idempotencyKey: string; paymentId: string };
  /**
   * How long the processor may take, in ms: the invocation's remaining time less what completion
   * needs. Past it the charge call ends as "processor unavailable" (the key is released), rather
   * than the function timing out while holding the key.
   */
  timeoutMs: number;
}

/** `processing`: the processor accepted the charge and will tell its outcome later (a webhook). */
export const ChargeStatus = { Succeeded: 'succeeded', Failed: 'failed', Processing: 'processing' } as const;
export type ChargeStatus = (typeof ChargeStatus)[keyof typeof ChargeStatus];

export interface Charge {
  /** The charge (`ch_…`); null when the processor refused before making one (e.g. 3-D Secure required). */
  id: string | null;
  status: ChargeStatus;
  /** Why a failed charge failed, e.g. `card_declined`. */
  failureCode?: string;
  amount: number;
  currency: string;
  createdEpochSeconds: number;
  /** The processor's own object for this payment (Stripe: the PaymentIntent), so support can find it there. */
  processorId?: string;
}

/** A payment processor in the manner of Stripe: charges are idempotent by key. */
export interface PaymentProcessor {
  charge(request: ChargeRequest): Promise<Charge>;
  /**
   * How long the processor remembers an idempotency key, in ms: past it the same key could
   * charge again, so nothing may re-drive a charge that old.
   * @default Infinity (it never forgets, as the simulator)
   */
  readonly idempotencyWindowMs?: number;
  /**
   * Whether `pm_…` payment method ids are accepted as a source besides the test tokens.
   * @default false
   */
  readonly acceptsPaymentMethodIds?: boolean;
}

/**
 * The processor did not answer or failed transiently. The charge may or may not have happened;
 * a retry with the same key finds out without charging twice.
 */
export class ProcessorUnavailableError extends HttpError {
  override name = 'ProcessorUnavailableError';
  constructor(cause?: unknown, retryAfterSeconds = 1) {
    super(problemOf('processor_unavailable'), 'The payment processor did not answer. Retry with the same Idempotency-Key.', {
      cause,
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/**
 * The processor refused the request as invalid (e.g. an unknown payment method) before charging
 * anything. The refusal is a result: it is stored and replayed like one, with the processor's reason.
 */
export class ProcessorRejectedError extends HttpError {
  override name = 'ProcessorRejectedError';
  constructor(reason: string, processorCode: string | undefined, param: string | undefined) {
    super(problemOf('processor_rejected'), `The payment processor refused the request: ${reason}`, {
      extensions: { ...(processorCode ? { processor_code: processorCode } : {}), ...(param ? { param } : {}) },
    });
  }
}

/**
 * The processor refused us, not the request: a bad or revoked secret, missing permissions, or an
 * idempotency key it saw with other parameters. A 500 (logged, key released): retrying the same
 * request cannot help until an operator fixes the cause.
 */
export class ProcessorMisconfiguredError extends HttpError {
  override name = 'ProcessorMisconfiguredError';
  constructor(code: 'processor_misconfigured' | 'processor_idempotency_error', cause: unknown) {
    super(problemOf(code), '', { cause });
  }
}
