import type { Context } from 'aws-lambda';
import { getIdempotency } from '../idempotency/middleware';
import { badRequest, httpError, notFound } from '../http/errors';
import { errorToResponse, problemFor } from '../http/problem';
import { type HttpRequest, type HttpResponse, jsonResponse } from '../http/types';
import { type Charge, type ChargeRequest, ChargeStatus, type PaymentProcessor, ProcessorRejectedError } from './processor';
import { type Payment, PAYMENT_ID, paymentAttributes, paymentIdFor, type PaymentStore } from './payment-store';
import { type CreatePaymentInput, LIST_LIMIT } from './schema';

export interface OperationDeps {
  processor: PaymentProcessor;
  payments: PaymentStore;
  /** @default Date.now */
  now?: () => number;
}

/**
 * How long before the processor's idempotency window ends a payment is no longer sent to it: the
 * hour recovery also keeps (STRIPE_RECOVERY_WINDOW_SECONDS), for the call itself and for clocks.
 */
export const PROCESSOR_WINDOW_MARGIN_MS = 3600_000;

/**
 * POST /payments, run at most once per (tenant, key) by the idempotency middleware. The charge
 * is keyed by the record's execution id, so a retry after a crash finds the same charge; the
 * payment is kept on the record itself (the stored answer is the payment, unless it is a
 * decline), set by the one conditional write that completes it.
 */
export function createPayment(deps: OperationDeps) {
  return async (event: HttpRequest, context: Context): Promise<HttpResponse> => {
    const input = event.parsedBody as CreatePaymentInput;
    const { executionId, attachToRecord, tenant, key, firstClaimedAtEpochMs } = getIdempotency(context);
    const paymentId = paymentIdFor(tenant, key);
    // Past the processor's memory of our key, the same key could charge again: a retry that comes
    // that late (or recovery) must not send it. The record stays IN_PROGRESS for an operator.
    const windowMs = deps.processor.idempotencyWindowMs ?? Number.POSITIVE_INFINITY;
    if ((deps.now ?? Date.now)() - firstClaimedAtEpochMs >= windowMs - PROCESSOR_WINDOW_MARGIN_MS) {
      throw httpError('processor_window_passed', '', {
        cause: new Error(`payment ${paymentId} was first claimed ${new Date(firstClaimedAtEpochMs).toISOString()}, past the processor's idempotency window`),
      });
    }
    let charge: Charge;
    try {
      charge = await deps.processor.charge({
        idempotencyKey: executionId,
        amount: input.amount,
        currency: input.currency,
        source: input.source,
        description: input.description,
        metadata: { tenant, idempotencyKey: key, paymentId },
        timeoutMs: processorTimeoutMs(context),
      } satisfies ChargeRequest);
    } catch (error) {
      // Refused as invalid before anything was charged: an answer, stored and replayed like one.
      if (error instanceof ProcessorRejectedError) return errorToResponse(error);
      throw error;
    }
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
      ...(charge.processorId ? { payment_intent: charge.processorId } : {}),
    };
    // A 201 or 202 answers the payment itself, and the record keeps that answer: it is not stored twice.
    const answerIsPayment = charge.status === ChargeStatus.Succeeded || charge.status === ChargeStatus.Processing;
    // A key that produced a payment names it for as long as the payment exists: no retention.
    attachToRecord(paymentAttributes(tenant, payment, { answerIsPayment }), { retainForever: true });

    const location = { Location: `/payments/${payment.id}` };
    if (charge.status === ChargeStatus.Succeeded) return jsonResponse(201, payment, location);
    // Accepted, outcome to follow: a webhook moves the payment on; GET /payments/{id} shows it.
    if (charge.status === ChargeStatus.Processing) return jsonResponse(202, payment, location);
    // Two codes of our own; any other reason the processor gives travels as processor_code.
    const reason = charge.failureCode ?? 'card_declined';
    const code = reason === 'authentication_required' ? 'authentication_required' : 'card_declined';
    const extensions = { payment: payment.id, ...(reason === code ? {} : { processor_code: reason }) };
    return problemFor(code, DECLINE_DETAIL[code], extensions, location);
  };
}

const DECLINE_DETAIL = {
  card_declined: 'The card was declined. The failed payment is recorded; use a new Idempotency-Key to try another card.',
  authentication_required:
    'The card requires authentication (3-D Secure), which this API does not support. The failed payment is recorded; use a new Idempotency-Key to try another card.',
};

/**
 * What the completing write needs after the processor answers, in ms: one DynamoDB write with
 * room for the SDK to retry it. With less than twice this left, completion keeps half the time.
 */
export const COMPLETION_RESERVE_MS = 1_000;

/** Without a Lambda context (scripts, some tests) the processor gets this long. */
const PROCESSOR_TIMEOUT_WITHOUT_CONTEXT_MS = 30_000;

function processorTimeoutMs(context: Context): number {
  const remainingMs = context.getRemainingTimeInMillis?.();
  if (remainingMs === undefined) return PROCESSOR_TIMEOUT_WITHOUT_CONTEXT_MS;
  return Math.floor(remainingMs - Math.min(COMPLETION_RESERVE_MS, remainingMs / 2));
}

/** GET /payments/{id}: the caller's own payment, or 404 (also for another tenant's id). */
export function getPayment(deps: Pick<OperationDeps, 'payments'>) {
  return async (event: HttpRequest): Promise<HttpResponse> => {
    const id = event.pathParameters.id ?? '';
    const payment = PAYMENT_ID.test(id) ? await deps.payments.get(event.tenant, id) : undefined;
    if (!payment) throw notFound(`No payment ${JSON.stringify(id.slice(0, 64))} exists for this tenant.`);
    return jsonResponse(200, payment);
  };
}

/** GET /payments: the caller's payments, newest first, in Stripe's list shape. */
export function listPayments(deps: Pick<OperationDeps, 'payments'>) {
  return async (event: HttpRequest): Promise<HttpResponse> => {
    const { limit, startingAfter } = listQuery(event.query ?? {});
    const page = await deps.payments.list(event.tenant, limit, startingAfter);
    if (page === 'unknown_cursor') {
      throw badRequest('invalid_request', `starting_after: no payment ${JSON.stringify(startingAfter)} exists for this tenant.`, [
        { field: 'starting_after', message: 'must be the id of one of your payments' },
      ]);
    }
    return jsonResponse(200, { object: 'list', data: page.data, has_more: page.hasMore });
  };
}

/** `limit` and `starting_after`, each at most once; any other parameter is a 400, like unknown body fields. */
function listQuery(query: Record<string, string[]>): { limit: number; startingAfter?: string } {
  const errors = Object.entries(query).flatMap(([name, values]) => {
    if (name !== 'limit' && name !== 'starting_after') return [{ field: name, message: 'is not a parameter of this list' }];
    return values.length === 1 ? [] : [{ field: name, message: 'must be given once' }];
  });
  const rawLimit = query.limit?.[0];
  const limit = rawLimit === undefined ? LIST_LIMIT.default : Number(rawLimit);
  if (!/^\d+$/.test(rawLimit ?? '1') || limit < LIST_LIMIT.min || limit > LIST_LIMIT.max) {
    errors.push({ field: 'limit', message: `must be an integer from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}` });
  }
  const startingAfter = query.starting_after?.[0];
  if (startingAfter !== undefined && !PAYMENT_ID.test(startingAfter)) {
    errors.push({ field: 'starting_after', message: 'must be a payment id, e.g. the last id of the previous page' });
  }
  if (errors.length > 0) throw badRequest('invalid_request', `The query is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
  return { limit, startingAfter };
}
