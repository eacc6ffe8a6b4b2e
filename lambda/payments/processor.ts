import { HttpError } from '../http/errors';

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

export const ChargeStatus = { Succeeded: 'succeeded', Failed: 'failed' } as const;
export type ChargeStatus = (typeof ChargeStatus)[keyof typeof ChargeStatus];

export interface Charge {
  id: string;
  status: ChargeStatus;
  /** Why a failed charge failed, e.g. `card_declined`. */
  failureCode?: string;
  amount: number;
  currency: string;
  createdEpochSeconds: number;
}

/** A payment processor in the manner of Stripe: charges are idempotent by key. */
export interface PaymentProcessor {
  charge(request: ChargeRequest): Promise<Charge>;
}

/**
 * The processor did not answer or failed transiently. The charge may or may not have happened;
 * a retry with the same key finds out without charging twice.
 */
export class ProcessorUnavailableError extends HttpError {
  override name = 'ProcessorUnavailableError';
  constructor(cause?: unknown) {
    super(502, 'processor_unavailable', 'Bad Gateway', 'The payment processor did not answer. Retry with the same Idempotency-Key.', {
      cause,
      headers: { 'Retry-After': '1' },
    });
  }
}
