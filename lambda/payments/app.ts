import middy from '@middy/core';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { methodNotAllowed, notFound } from '../http/errors';
import { errorToResponse } from '../http/problem';
import type { HttpRequest, HttpResponse } from '../http/types';
import { DynamoDbIdempotencyStore } from '../idempotency/dynamodb-store';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../idempotency/key';
import { idempotency, type IdempotentContext } from '../idempotency/middleware';
import type { RecoverableRecord } from '../idempotency/recovery-store';
import { ReplayCache } from '../idempotency/replay-cache';
import type { AppConfig } from './config';
import { eventKind, fromDirectPayload, fromProxyEvent, toDirectResult, toProxyResult } from './events';
import { createPayment, getPayment, listPayments } from './flow';
import { PaymentStore } from './payment-store';
import type { PaymentProcessor } from './processor';
import { createPaymentBody } from './schema';
import { SimulatedProcessor } from './simulated-processor';
import { credentialsLoader, stripeClientProvider } from '../stripe/client';
import { StripeProcessor } from '../stripe/processor';
import { validateJsonBody } from './validate-body';
import type { Telemetry } from '../observability';

export interface AppDeps {
  client: DynamoDBClient;
  config: AppConfig;
  /** @default Stripe when `config.stripe` is set, else the simulated processor, recording charges in the same table */
  processor?: PaymentProcessor;
  /** @default Date.now */
  now?: () => number;
  /** The idempotency hooks and processor timing of lambda/observability. @default none */
  telemetry?: Pick<Telemetry, 'hooks' | 'instrumentProcessor'>;
}

type Route = (request: HttpRequest, context: Context) => Promise<HttpResponse>;

/**
 * The document client the payments code writes with. convertClassInstanceToMap: metadata keys
 * are the caller's, and a key named "constructor" makes the marshaller take a plain object for a
 * class instance and refuse it (after the charge).
 */
export const paymentsDocumentClient = (client: DynamoDBClient) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } });

/** The Lambda handler alone (REST API proxy events and direct payloads). */
export const createPaymentsHandler = (deps: AppDeps) => createPaymentsApp(deps).handler;

/**
 * Builds the Lambda handler, one function for REST API proxy events and direct payloads, and
 * the recovery worker's door into the same chain. Clients and middleware chains are built here
 * once, not per invocation.
 */
export function createPaymentsApp(deps: AppDeps) {
  const { config } = deps;
  const documentClient = paymentsDocumentClient(deps.client);
  const payments = new PaymentStore(documentClient, config.tableName);
  const untimed = deps.processor ?? defaultProcessor(config, documentClient, deps.now);
  const processor = deps.telemetry ? deps.telemetry.instrumentProcessor(untimed) : untimed;
  const store = new DynamoDbIdempotencyStore({ documentClient, tableName: config.tableName, ttlSeconds: config.idempotencyTtlSeconds });

  const cache = new ReplayCache({ maxEntries: config.replayCacheEntries });

  const pay = createPayment({ processor, payments, now: deps.now });
  // middy's early timeout is off: the lease already covers the invocation up to Lambda's deadline.
  const create = middy<HttpRequest, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(validateJsonBody(createPaymentBody({ paymentMethodIds: processor.acceptsPaymentMethodIds ?? false })))
    .use(
      idempotency({ store, cache, defaultLeaseMs: config.defaultLeaseMs, leaseMarginMs: config.leaseMarginMs, now: deps.now, recoverable: true, hooks: deps.telemetry?.hooks }),
    )
    .handler((event, context) => pay(event, context as IdempotentContext));
  const get = getPayment({ payments });
  const list = listPayments({ payments });

  const route: Route = async (request, context) => {
    if (request.path === '/payments') {
      if (request.method === 'POST') return create(request, context);
      if (request.method === 'GET') return list(request);
      throw methodNotAllowed(['GET', 'POST']);
    }
    if (/^\/payments\/[^/]+$/.test(request.path) && request.pathParameters.id !== undefined) {
      if (request.method !== 'GET') throw methodNotAllowed(['GET']);
      return get(request);
    }
    throw notFound(`No route for ${request.method} ${request.path.slice(0, 200)}.`);
  };

  const handler = async (event: unknown, context: Context): Promise<unknown> => {
    const kind = eventKind(event);
    let request: HttpRequest | undefined;
    let response: HttpResponse;
    try {
      request = kind === 'proxy' ? fromProxyEvent(event as APIGatewayProxyEvent) : fromDirectPayload(event);
      response = await route(request, context);
    } catch (error) {
      response = errorToResponse(error);
    }
    response = echoIdempotencyKey(request, response);
    return kind === 'proxy' ? toProxyResult(response) : toDirectResult(response);
  };

  /**
   * The client's retry, made by the recovery worker from the request stored with the claim: the
   * same key (sent as an sf-string, so any key reads back unchanged), body and tenant.
   */
  const redrive = async (record: RecoverableRecord, context: Context): Promise<HttpResponse> => {
    const { method, path, body } = record.request;
    const headers = { 'content-type': 'application/json', [IDEMPOTENCY_KEY_HEADER.toLowerCase()]: sfString(record.idempotencyKey) };
    try {
      return await route({ method, path, headers, pathParameters: {}, body, tenant: record.tenant }, context);
    } catch (error) {
      return errorToResponse(error);
    }
  };

  return { handler, redrive };
}

/** Stripe when the configuration names it, else the simulator recording charges in the same table. */
export function defaultProcessor(config: AppConfig, documentClient: DynamoDBDocumentClient, now?: () => number): PaymentProcessor {
  if (config.stripe) return new StripeProcessor(stripeClientProvider(config.stripe, credentialsLoader(config.stripe)));
  return new SimulatedProcessor({ documentClient, tableName: config.tableName, ...config.processor, now });
}

/** An RFC 8941 sf-string: quotes around the key, `"` and `\` escaped. */
const sfString = (key: string) => `"${key.replace(/["\\]/g, (c) => `\\${c}`)}"`;

/** Every answer to a POST names the key it was about, when the key was a valid one. */
function echoIdempotencyKey(request: HttpRequest | undefined, response: HttpResponse): HttpResponse {
  if (request?.method !== 'POST') return response;
  const parsed = parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()]);
  if (!parsed.ok) return response;
  return { ...response, headers: { ...response.headers, [IDEMPOTENCY_KEY_HEADER]: parsed.key } };
}
