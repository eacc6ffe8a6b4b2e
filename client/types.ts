/**
 * The shapes of the payments API as a caller sees them. Kept apart from the server's own types
 * (lambda/payments) on purpose: the client must build and ship without the server's code.
 */

/** Card tokens the API accepts: `tok_visa` succeeds, `tok_chargeDeclined` is declined. */
export type CardSource = 'tok_visa' | 'tok_chargeDeclined';

/** The body of `POST /payments`. */
export interface CreatePaymentParams {
  /** Integer, in minor units (cents): 1..99999999. */
  amount: number;
  /** Three lowercase letters, e.g. `usd`. */
  currency: string;
  source: CardSource;
  /** 1..255 characters. */
  customer?: string;
  /** Up to 500 characters. */
  description?: string;
  /** Up to 20 string values; keys are 1-40 letters, digits, `_`, `-` or `.`. */
  metadata?: Record<string, string>;
}

export interface Payment {
  /** `pay_` + 32 hex digits. */
  id: string;
  object: 'payment';
  amount: number;
  currency: string;
  source: string;
  customer: string | null;
  description: string | null;
  metadata: Record<string, string>;
  /** `processing` (202, with Stripe) until a webhook settles it; later reads may show `refunded`. */
  status: 'processing' | 'succeeded' | 'failed' | 'refunded';
  /** The processor's charge, `ch_...`; null when the processor refused before making one. */
  charge: string | null;
  /** When the charge was made, epoch seconds. */
  created: number;
  /** With Stripe: the PaymentIntent, `pi_...`. */
  payment_intent?: string;
  /** Refunded so far, in minor units, once a refund was reported. */
  amount_refunded?: number;
}

export interface CreatePaymentOptions {
  /**
   * The key of this logical payment. Create it when the order is created, store it with the order
   * and pass it here every time, so that even a retry from another process is the same payment.
   * @default a fresh crypto.randomUUID(), reused by every retry inside this call only
   */
  idempotencyKey?: string;
}

export interface CreatePaymentResult {
  /** The payment the API created, or the one it created for an earlier attempt with the same key. */
  payment: Payment;
  /**
   * True when the answer is a stored one (`Idempotent-Replayed: true`): an earlier request with
   * this key made the payment. False when this call's request made (or finished) it.
   */
  replayed: boolean;
  /** The key that was used: the one passed in, or the one generated for this call. */
  idempotencyKey: string;
  /** HTTP requests this call made, the first included. */
  attempts: number;
}

/** An RFC 9457 problem document, as the API sends its errors. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** The stable error code, e.g. `card_declined`; the same as the end of `type`. */
  code?: string;
  /** Extension members, e.g. `payment` on a decline or `errors` on a 400. */
  [member: string]: unknown;
}
