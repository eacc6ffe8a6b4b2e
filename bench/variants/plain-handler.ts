import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { methodNotAllowed, notFound } from '../../lambda/http/errors';
import { errorToResponse } from '../../lambda/http/problem';
import type { HttpRequest, HttpResponse } from '../../lambda/http/types';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey, requireIdempotencyKey } from '../../lambda/idempotency/key';
import type { IdempotencyContext, IdempotentContext } from '../../lambda/idempotency/middleware';
import { keyDigest } from '../../lambda/idempotency/record-key';
import { fromProxyEvent, toProxyResult } from '../../lambda/payments/events';
import { createPayment } from '../../lambda/payments/flow';
import { PaymentStore } from '../../lambda/payments/payment-store';
import type { PaymentProcessor } from '../../lambda/payments/processor';
import { CreatePaymentBody } from '../../lambda/payments/schema';
import { validateJsonBody } from '../../lambda/payments/validate-body';
import { TableSchema } from '../../lambda/shared/table';
import type { ProxyHandler } from './types';

/** The key prefix of the payment item these variants write. */
export const PLAIN_PAYMENT_PREFIX = 'payment#';

/** A validated POST /payments: the request, with its parsed body, and its Idempotency-Key. */
export interface PaymentCall {
  request: HttpRequest;
  key: string;
}

/** Runs the payment for a call; the idempotency scheme around it is the variant's business. */
export type Guard = (call: PaymentCall, context: Context) => Promise<HttpResponse>;

const validateBody = validateJsonBody(CreatePaymentBody).before!;

/**
 * The HTTP edge of the baseline and Powertools variants, built from the same pieces as ours
 * (event parsing, body validation, key parsing, problem+json mapping, key echo), so the three
 * answer alike (only ids and the 409's Retry-After differ) and differ only in how they guard the payment.
 */
export function plainPaymentsHandler(guard: Guard, mapError: (error: unknown) => unknown = (e) => e): ProxyHandler {
  return async (event: APIGatewayProxyEvent, context: Context) => {
    let request: HttpRequest | undefined;
    let response: HttpResponse;
    try {
      request = fromProxyEvent(event);
      if (request.path !== '/payments') throw notFound(`No route for ${request.method} ${request.path.slice(0, 200)}.`);
      if (request.method !== 'POST') throw methodNotAllowed(['POST']);
      // Same order as ours: the body is checked before the key, both before any DynamoDB request.
      await validateBody({ event: request } as never);
      const key = requireIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()]);
      response = await guard({ request, key }, context);
    } catch (error) {
      response = errorToResponse(mapError(error));
    }
    return toProxyResult(echoKey(request, response));
  };
}

function echoKey(request: HttpRequest | undefined, response: HttpResponse): HttpResponse {
  if (request?.method !== 'POST') return response;
  const parsed = parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()]);
  if (!parsed.ok) return response;
  return { ...response, headers: { ...response.headers, [IDEMPOTENCY_KEY_HEADER]: parsed.key } };
}

export interface PaymentRunnerDeps {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  processor: PaymentProcessor;
}

/**
 * The payment logic of ours (lambda/payments/flow.ts) run without our middleware: the charge is
 * keyed by `executionId`, and the payment is written with its own PutItem after the charge (ours
 * keeps it on the idempotency record, which these variants do not have).
 */
export function paymentRunner(deps: PaymentRunnerDeps) {
  const flow = createPayment({ processor: deps.processor, payments: new PaymentStore(deps.documentClient, deps.tableName) });
  return async (call: PaymentCall, executionId: string, context: Context): Promise<HttpResponse> => {
    let attributes: Record<string, unknown> = {};
    const idempotency: IdempotencyContext = {
      tenant: call.request.tenant,
      key: call.key,
      executionId,
      firstClaimedAtEpochMs: Date.now(),
      addWrites: () => {
        throw new Error('the payment flow commits no other items');
      },
      attachToRecord: (more) => (attributes = { ...attributes, ...more }),
    };
    const response = await flow(call.request, { ...context, idempotency } as IdempotentContext);
    const pk = `${PLAIN_PAYMENT_PREFIX}${keyDigest(call.request.tenant, call.key)}`;
    await deps.documentClient.send(new PutCommand({ TableName: deps.tableName, Item: { [TableSchema.partitionKey]: pk, ...attributes } }));
    return response;
  };
}
