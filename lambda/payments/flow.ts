import type { IdempotentContext } from '../idempotency/middleware';
import { notFound } from '../http/errors';
import { problemResponse } from '../http/problem';
import { type HttpRequest, type HttpResponse, jsonResponse } from '../http/types';
import { ChargeStatus, type PaymentProcessor } from './processor';
import { type Payment, PAYMENT_ID, paymentIdFor, type PaymentStore } from './payment-store';
import type { CreatePaymentInput } from './schema';

export interface FlowDeps {
  processor: PaymentProcessor;
  payments: PaymentStore;
}

/**
 * POST /payments, run at most once per (tenant, key) by the idempotency middleware. The charge
 * is keyed by the record's execution id, so a retry after a crash finds the same charge; the
 * payment is written in the transaction that completes the record.
 */
export function createPayment(deps: FlowDeps) {
  return async (event: HttpRequest, context: IdempotentContext): Promise<HttpResponse> => {
    const input = event.parsedBody as CreatePaymentInput;
    const { executionId, addWrites, tenant, key } = context.idempotency;
    const paymentId = paymentIdFor(executionId);
    const charge = await deps.processor.charge({
      idempotencyKey: executionId,
      amount: input.amount,
      currency: input.currency,
      source: input.source,
      description: input.description,
      metadata: { tenant, idempotencyKey: key, paymentId },
      timeoutMs: processorTimeoutMs(context),
    });
    const payment: Payment = {
      id: paymentId,
      object: 'payment',
      amount: input.amount,
      currency: input.currency,
      source: input.source,
      customer: input.customer ?? null,
      description: input.description ?? null,
      metadata: input.metadata ?? {},
      status: charge.status,
      charge: charge.id,
      created: charge.createdEpochSeconds,
    };
    addWrites(deps.payments.putItem(event.tenant, payment));

    const location = { Location: `/payments/${payment.id}` };
    if (charge.status === ChargeStatus.Succeeded) return jsonResponse(201, payment, location);
    return problemResponse(
      402,
      charge.failureCode ?? 'card_declined',
      'Payment Required',
      'The card was declined. The failed payment is recorded; use a new Idempotency-Key to try another card.',
      { payment: payment.id },
      location,
    );
  };
}

/**
 * What the completing write needs after the processor answers, in ms: one DynamoDB write with
 * room for the SDK to retry it. With less than twice this left, completion keeps half the time.
 */
export const COMPLETION_RESERVE_MS = 1_000;

/** Without a Lambda context (scripts, some tests) the processor gets this long. */
const PROCESSOR_TIMEOUT_WITHOUT_CONTEXT_MS = 30_000;

function processorTimeoutMs(context: IdempotentContext): number {
  const remainingMs = context.getRemainingTimeInMillis?.();
  if (remainingMs === undefined) return PROCESSOR_TIMEOUT_WITHOUT_CONTEXT_MS;
  return Math.floor(remainingMs - Math.min(COMPLETION_RESERVE_MS, remainingMs / 2));
}

/** GET /payments/{id}: the caller's own payment, or 404 (also for another tenant's id). */
export function getPayment(deps: Pick<FlowDeps, 'payments'>) {
  return async (event: HttpRequest): Promise<HttpResponse> => {
    const id = event.pathParameters.id ?? '';
    const payment = PAYMENT_ID.test(id) ? await deps.payments.get(event.tenant, id) : undefined;
    if (!payment) throw notFound(`No payment ${JSON.stringify(id.slice(0, 64))} exists for this API key.`);
    return jsonResponse(200, payment);
  };
}
