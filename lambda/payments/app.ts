import { RECORDS_LAYOUT } from '../shared/table';
import middy from '@middy/core';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { methodNotAllowed, notFound } from '../http/errors';
import { problemAnswers } from '../http/problem';
import type { HttpRequest, HttpResponse } from '../http/types';
import { DynamoDbIdempotencyStore } from '../idempotency/dynamodb-store';
import { IDEMPOTENCY_KEY_HEADER } from '../idempotency/key';
import { idempotency } from '../idempotency/middleware';
import type { RecoverableRecord } from '../idempotency/recovery-store';
import { ReplayCache } from '../idempotency/replay-cache';
import { matchResource, Resource, ROUTES } from '../shared/routes';
import type { AppConfig } from './config';
import { frontDoor } from './front-door';
import { createPayment, getPayment, listPayments } from './operations';
import { PaymentStore } from './payment-store';
import type { PaymentProcessor } from './processor';
import { createPaymentBody } from './schema';
import { SimulatedProcessor } from './simulated-processor';
import { credentialsLoader, stripeClientProvider } from '../stripe/client';
import { StripeProcessor } from '../stripe/processor';
import { validateJsonBody } from '../http/json-body';
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

/** Sends a request to the flow its resource and method name. */
type Dispatch = (request: HttpRequest, context: Context) => Promise<HttpResponse>;

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
  const store = new DynamoDbIdempotencyStore({ documentClient, tableName: config.tableName, ttlSeconds: config.idempotencyTtlSeconds, layout: RECORDS_LAYOUT });

  const cache = new ReplayCache({ maxEntries: config.replayCacheEntries });

  const pay = createPayment({ processor, payments, now: deps.now });
  const get = getPayment({ payments });
  const list = listPayments({ payments });

  // Body validation and the idempotency claim apply to POST /payments only; every other request
  // passes them untouched to the route, which answers it or refuses it (404, 405).
  const isCreate = (request: HttpRequest) => request.method === 'POST' && request.path === Resource.Payments;
  const validation = validateJsonBody(createPaymentBody({ paymentMethodIds: processor.acceptsPaymentMethodIds ?? false }), { appliesTo: isCreate });
  const claim = idempotency({
    store,
    cache,
    defaultLeaseMs: config.defaultLeaseMs,
    leaseMarginMs: config.leaseMarginMs,
    now: deps.now,
    recoverable: true,
    hooks: deps.telemetry?.hooks,
    appliesTo: isCreate,
  });

  const route: Dispatch = async (request, context) => {
    const match = matchResource(request.path);
    const methods: readonly string[] = match && ROUTES[match.resource].function === 'payments' ? ROUTES[match.resource].methods : [];
    if (!match || methods.length === 0) throw notFound(`No route for ${request.method} ${request.path.slice(0, 200)}.`);
    if (!methods.includes(request.method)) throw methodNotAllowed([...methods]);
    if (match.resource === Resource.Payment) return get(request);
    return request.method === 'POST' ? pay(request, context) : list(request);
  };

  // One chain from the event to the answer: the door reads the event and shapes the answer,
  // problemAnswers turns errors into problem+json, then validation, the claim and the route.
  // middy's early timeout is off: the lease already covers the invocation up to Lambda's deadline.
  const handler = middy<unknown, unknown, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(frontDoor())
    .use(problemAnswers())
    .use(validation as middy.MiddlewareObj)
    .use(claim as middy.MiddlewareObj)
    .handler((request, context) => route(request as HttpRequest, context));

  /**
   * The client's retry, made by the recovery worker from the request stored with the claim: the
   * same key (sent as an sf-string, so any key reads back unchanged), body and tenant, through the
   * same middlewares, without the door (it is already a request).
   */
  const redriveChain = middy<HttpRequest, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(problemAnswers() as middy.MiddlewareObj<HttpRequest, HttpResponse, Error, Context>)
    .use(validation)
    .use(claim)
    .handler(route);
  const redrive = (record: RecoverableRecord, context: Context): Promise<HttpResponse> => {
    const { method, path, body } = record.request;
    const headers = { 'content-type': 'application/json', [IDEMPOTENCY_KEY_HEADER.toLowerCase()]: sfString(record.idempotencyKey) };
    return redriveChain({ method, path, headers, pathParameters: {}, body, tenant: record.tenant }, context);
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
