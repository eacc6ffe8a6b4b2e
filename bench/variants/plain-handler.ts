import assert from 'node:assert/strict';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { methodNotAllowed, notFound } from '../../lambda/http/errors';
import { errorToResponse } from '../../lambda/http/problem';
import type { HttpRequest, HttpResponse } from '../../lambda/http/types';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey, requireIdempotencyKey } from '../../lambda/idempotency/key';
import type { IdempotencyClaim, IdempotentContext } from '../../lambda/idempotency/middleware';
import { keyDigest } from '../../lambda/idempotency/record-key';
import { fromProxyEvent, toProxyResult } from '../../lambda/payments/front-door';
import { createPayment } from '../../lambda/payments/operations';
import { paymentOfRecord, PaymentStore } from '../../lambda/payments/payment-store';
import { CreatePaymentBody } from '../../lambda/payments/schema';
import { SimulatedProcessor } from '../../lambda/payments/simulated-processor';
import { validateJsonBody } from '../../lambda/http/json-body';
import { TableSchema } from '../../lambda/shared/table';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The key prefix of the payment item the baseline and Powertools variants write. */
export const PLAIN_PAYMENT_PREFIX = 'payment#';

/** A validated POST /payments and its Idempotency-Key. */
export type PaymentCall = { request: HttpRequest; key: string };

const validateBody = validateJsonBody(CreatePaymentBody).before!;
const keyHeader = (request: HttpRequest) => request.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];

/**
 * The HTTP edge of the baseline and Powertools variants, built from ours' pieces (event parsing,
 * body validation, key parsing, problem+json, key echo), so the three answer alike and differ only
 * in how `guard` protects the payment.
 */
export function plainPaymentsHandler(guard: (call: PaymentCall, context: Context) => Promise<HttpResponse>, mapError = (e: unknown) => e): ProxyHandler {
  return async (event, context) => {
    let request: HttpRequest | undefined;
    let response: HttpResponse;
    try {
      request = fromProxyEvent(event);
      if (request.path !== '/payments') throw notFound(`No route for ${request.method} ${request.path.slice(0, 200)}.`);
      if (request.method !== 'POST') throw methodNotAllowed(['POST']);
      // Same order as ours: the body is checked before the key, both before any DynamoDB request.
      await validateBody({ event: request } as never);
      response = await guard({ request, key: requireIdempotencyKey(keyHeader(request)) }, context);
    } catch (error) {
      response = errorToResponse(mapError(error));
    }
    const parsed = request?.method === 'POST' ? parseIdempotencyKey(keyHeader(request)) : undefined;
    if (parsed?.ok) response = { ...response, headers: { ...response.headers, [IDEMPOTENCY_KEY_HEADER]: parsed.key } };
    return toProxyResult(response);
  };
}

/**
 * Ours' payment logic (lambda/payments/operations.ts) without our middleware, against the simulated
 * processor: the charge is keyed by `executionId`, and the payment gets a PutItem of its own after
 * the charge (ours keeps it on the idempotency record, which these variants do not have).
 */
export function paymentRunner(client: DynamoDBClient, tableName: string, processorLatencyMs: number) {
  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const processor = new SimulatedProcessor({ documentClient, tableName, latencyMs: processorLatencyMs, failureRate: 0 });
  const flow = createPayment({ processor, payments: new PaymentStore(documentClient, tableName) });
  return async (call: PaymentCall, executionId: string, context: Context): Promise<HttpResponse> => {
    let attributes: Record<string, unknown> = {};
    const idempotency: IdempotencyClaim = {
      tenant: call.request.tenant,
      key: call.key,
      executionId,
      firstClaimedAtEpochMs: Date.now(),
      addWrites: () => void assert.fail('the payment flow commits no other items'),
      attachToRecord: (more) => (attributes = { ...attributes, ...more }),
    };
    const response = await flow(call.request, { ...context, idempotency } as IdempotentContext);
    const pk = `${PLAIN_PAYMENT_PREFIX}${keyDigest(call.request.tenant, call.key)}`;
    // A payment item of its own: the payment whole (ours reads a 201's from the record's stored answer) and its index keys.
    const { paymentState: _state, payment: _created, ...indexKeys } = attributes;
    const payment = paymentOfRecord({ response, ...attributes });
    await documentClient.send(new PutCommand({ TableName: tableName, Item: { [TableSchema.partitionKey]: pk, payment, ...indexKeys } }));
    return response;
  };
}
