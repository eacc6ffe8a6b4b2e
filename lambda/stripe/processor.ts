import type Stripe from 'stripe';
import {
  type Charge,
  type ChargeRequest,
  ChargeStatus,
  type PaymentProcessor,
  ProcessorMisconfiguredError,
  ProcessorRejectedError,
  ProcessorUnavailableError,
} from '../payments/processor';

/**
 * Stripe keeps an idempotency key's result for at least 24 hours, then may prune it and treat the
 * key as new (https://docs.stripe.com/api/idempotent_requests). Nothing may re-drive a charge past that.
 */
export const STRIPE_IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

/** Our test tokens as Stripe's own test PaymentMethods (https://docs.stripe.com/testing). */
export const TEST_PAYMENT_METHODS: Readonly<Record<string, string>> = { tok_visa: 'pm_card_visa', tok_chargeDeclined: 'pm_card_chargeDeclined' };

/**
 * Stripe's Idempotency-Key for a payment: derived from our record's execution id, which survives
 * every retry, lease takeover and recovery of the record, so every attempt reaches the same
 * PaymentIntent. Never the client's key: two tenants may send the same one.
 */
export const stripeIdempotencyKey = (executionId: string) => `idempotent-payments-${executionId}`;

/** Retry-After on a 429: Stripe rate limits by the second, so one second more than a plain failure. */
const RATE_LIMITED_RETRY_AFTER_SECONDS = 2;

/**
 * Charges through Stripe's PaymentIntents API: one PaymentIntent per payment, created and
 * confirmed in one call, with no redirects (a card that needs 3-D Secure fails as
 * `authentication_required`). The SDK's own retries reuse our Idempotency-Key; the whole call,
 * retries included, ends by the invocation's deadline.
 */
export class StripeProcessor implements PaymentProcessor {
  readonly idempotencyWindowMs = STRIPE_IDEMPOTENCY_WINDOW_MS;
  readonly acceptsPaymentMethodIds = true;

  constructor(private readonly client: () => Promise<Stripe>) {}

  async charge(request: ChargeRequest): Promise<Charge> {
    if (request.timeoutMs <= 0) throw new ProcessorUnavailableError(new Error('no time left in the invocation for the processor call'));
    // One deadline for all of it: the first call in a container also loads the SDK and the secret.
    const deadlineEpochMs = Date.now() + request.timeoutMs;
    let stripe: Stripe;
    try {
      stripe = await this.client();
    } catch (error) {
      throw new ProcessorMisconfiguredError('processor_misconfigured', error);
    }
    const params: Stripe.PaymentIntentCreateParams = {
      amount: request.amount,
      currency: request.currency,
      payment_method: TEST_PAYMENT_METHODS[request.source] ?? request.source,
      allowed_payment_method_types: ['card'],
      confirm: true,
      error_on_requires_action: true,
      ...(request.description ? { description: request.description } : {}),
      metadata: { tenant: request.metadata.tenant, idempotency_key: request.metadata.idempotencyKey, payment_id: request.metadata.paymentId },
    };
    const timeoutMs = Math.floor(deadlineEpochMs - Date.now());
    if (timeoutMs <= 0) throw new ProcessorUnavailableError(new Error('no time left for the Stripe call after loading its client'));
    let intent: Stripe.PaymentIntent;
    try {
      const call = stripe.paymentIntents.create(params, { idempotencyKey: stripeIdempotencyKey(request.idempotencyKey), timeout: timeoutMs });
      intent = await withinDeadline(call, timeoutMs);
    } catch (error) {
      return this.fromError(error, request);
    }
    return chargeOf(intent, request);
  }

  /** A card error is an answer (a failed charge); everything else is sorted by whether a retry can help. */
  private fromError(error: unknown, request: ChargeRequest): Charge {
    if (error instanceof ProcessorUnavailableError) throw error;
    const stripeError = error as Partial<Stripe.errors.StripeError> & { type?: string };
    switch (stripeError.type) {
      case 'StripeCardError': {
        const intent = stripeError.payment_intent;
        return {
          id: stripeError.charge ?? chargeIdOf(intent) ?? null,
          status: ChargeStatus.Failed,
          failureCode: stripeError.code ?? 'card_declined',
          amount: request.amount,
          currency: request.currency,
          createdEpochSeconds: intent?.created ?? Math.floor(Date.now() / 1000),
          ...(intent?.id ? { processorId: intent.id } : {}),
        };
      }
      case 'StripeConnectionError':
      case 'StripeAPIError': // 5xx, and 409: a request with our key is still running at Stripe
        throw new ProcessorUnavailableError(error);
      case 'StripeRateLimitError':
        throw new ProcessorUnavailableError(error, RATE_LIMITED_RETRY_AFTER_SECONDS);
      case 'StripeInvalidRequestError':
        throw new ProcessorRejectedError(stripeError.message ?? 'invalid request', stripeError.code, stripeError.param);
      case 'StripeIdempotencyError':
        throw new ProcessorMisconfiguredError('processor_idempotency_error', error);
      case 'StripeAuthenticationError':
      case 'StripePermissionError':
        throw new ProcessorMisconfiguredError('processor_misconfigured', error);
      default:
        throw error;
    }
  }
}

function chargeIdOf(intent: Stripe.PaymentIntent | undefined): string | undefined {
  const latest = intent?.latest_charge;
  return typeof latest === 'string' ? latest : (latest?.id ?? undefined);
}

/** The PaymentIntent's state after confirmation, as our charge. */
function chargeOf(intent: Stripe.PaymentIntent, request: ChargeRequest): Charge {
  const base = { id: chargeIdOf(intent) ?? null, amount: intent.amount, currency: intent.currency, createdEpochSeconds: intent.created, processorId: intent.id };
  switch (intent.status) {
    case 'succeeded':
      return { ...base, status: ChargeStatus.Succeeded };
    case 'processing':
      return { ...base, status: ChargeStatus.Processing };
    case 'requires_payment_method':
      return { ...base, status: ChargeStatus.Failed, failureCode: intent.last_payment_error?.code ?? 'card_declined' };
    case 'requires_action': // error_on_requires_action should have made this a card error
      return { ...base, status: ChargeStatus.Failed, failureCode: 'authentication_required' };
    default:
      // requires_capture, requires_confirmation, canceled: not what this request asked for.
      throw new Error(`Stripe PaymentIntent ${intent.id} for ${request.metadata.paymentId} is ${intent.status} after confirmation`);
  }
}

/**
 * The SDK bounds each attempt by `timeout`, but not its retries and their back-off together;
 * past the deadline we stop waiting (the request may still land: the retry, with the same key,
 * reaches the same PaymentIntent).
 */
async function withinDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProcessorUnavailableError(new Error(`no answer from Stripe within ${timeoutMs} ms`))), timeoutMs);
    timer.unref();
  });
  work.catch(() => {}); // its late failure, if any, has no one left to tell
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
