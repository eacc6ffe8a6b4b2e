import { RECORDS_LAYOUT } from '../shared/table';
import { Resource } from '../shared/routes';
import middy from '@middy/core';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import type Stripe from 'stripe';
import { badRequest, httpError, methodNotAllowed } from '../http/errors';
import { problemAnswers, problemFor } from '../http/problem';
import { type HttpRequest, type HttpResponse, jsonResponse } from '../http/types';
import { DynamoDbIdempotencyStore } from '../idempotency/dynamodb-store';
import { IDEMPOTENCY_KEY_HEADER } from '../idempotency/key';
import type { IdempotencyHooks } from '../idempotency/hooks';
import { idempotency } from '../idempotency/middleware';
import type { AppConfig } from '../payments/config';
import { type ChangeOutcome, PAYMENT_ID, type PaymentChange, PaymentStatus, PaymentStore } from '../payments/payment-store';
import { ProcessorUnavailableError } from '../payments/processor';
import { credentialsLoader, type StripeCredentials, stripeClientProvider } from './client';

/** Where Stripe delivers events; no bearer key: the signature is the authentication. */
export const STRIPE_WEBHOOK_PATH = Resource.StripeWebhook;

/**
 * The tenant under which events' idempotency records are kept. Tenant ids have no `:` (TENANT_ID
 * in lambda/auth/tenant.ts), so none can be this one, and an event id never shares a record with a
 * payment key.
 */
export const WEBHOOK_TENANT = 'stripe:webhook-events';

/** Stripe's own default: a signature older than 5 minutes is refused (replayed deliveries). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** How soon to ask for an event whose payment is still being created; Stripe keeps its own schedule. */
const NOT_COMMITTED_RETRY_AFTER_SECONDS = 60;

export interface StripeWebhookDeps {
  client: DynamoDBClient;
  /** Must have `stripe` set: the signing secret comes from it. */
  config: AppConfig;
  /** @default Date.now */
  now?: () => number;
  /** @default read from `config.stripe` once per container */
  credentials?: () => Promise<StripeCredentials>;
  /** Used only to find the payment of a refunded charge. @default a client from `config.stripe` */
  stripe?: () => Promise<Stripe>;
  /** The idempotency layer's hooks (lambda/observability): what became of each event id. @default none */
  hooks?: IdempotencyHooks;
}

/** The request the idempotency layer sees: keyed by the event id, fingerprinted by id and type. */
interface EventRequest extends HttpRequest {
  stripeEvent: Stripe.Event;
}

/** The webhook event parts a proxy event carries. */
interface WebhookProxyEvent {
  httpMethod?: string;
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean | null;
}

/**
 * `POST /webhooks/stripe`: verifies Stripe's signature on the raw body, then processes each event
 * once per `event.id` through the idempotency layer (a redelivery gets the stored answer), moving
 * the payment forward and never back.
 */
export function createStripeWebhookHandler(deps: StripeWebhookDeps) {
  const settings = deps.config.stripe;
  if (!settings) throw new Error('the Stripe webhook needs PAYMENT_PROCESSOR=stripe and its settings');
  const now = deps.now ?? Date.now;
  const credentials = deps.credentials ?? credentialsLoader(settings);
  const stripe = deps.stripe ?? stripeClientProvider(settings, credentials);
  const documentClient = DynamoDBDocumentClient.from(deps.client, { marshallOptions: { removeUndefinedValues: true } });
  const payments = new PaymentStore(documentClient, deps.config.tableName);
  const store = new DynamoDbIdempotencyStore({ documentClient, tableName: deps.config.tableName, ttlSeconds: deps.config.idempotencyTtlSeconds, layout: RECORDS_LAYOUT });

  const process = middy<EventRequest, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    // The layer's middleware reads only the HttpRequest part of an EventRequest.
    .use(
      idempotency({ store, defaultLeaseMs: deps.config.defaultLeaseMs, leaseMarginMs: deps.config.leaseMarginMs, now, hooks: deps.hooks }) as unknown as middy.MiddlewareObj<
        EventRequest,
        HttpResponse,
        Error,
        Context
      >,
    )
    .handler(async (request) => apply(request.stripeEvent));

  async function apply(event: Stripe.Event): Promise<HttpResponse> {
    switch (event.type) {
      case 'payment_intent.succeeded':
      case 'payment_intent.payment_failed': {
        const intent = event.data.object;
        const status = event.type === 'payment_intent.succeeded' ? PaymentStatus.Succeeded : PaymentStatus.Failed;
        return answer(event, await advance(intent.metadata, { kind: 'status', processorId: intent.id, status }));
      }
      case 'charge.refunded': {
        const charge = event.data.object;
        const intentId = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
        if (!intentId) return answer(event, 'unknown');
        const change: PaymentChange = { kind: 'refund', processorId: intentId, amountRefunded: charge.amount_refunded, fullyRefunded: charge.refunded };
        return answer(event, await advance(ourMetadata(charge.metadata) ?? (await intentMetadata(intentId)), change));
      }
      default:
        return jsonResponse(200, { received: true, event: event.id, type: event.type, outcome: 'ignored' });
    }
  }

  async function advance(metadata: Stripe.Metadata | null | undefined, change: PaymentChange): Promise<ChangeOutcome> {
    const ours = ourMetadata(metadata);
    return ours ? payments.advance(ours.tenant, ours.payment_id, change) : 'unknown';
  }

  /** A charge does not carry its PaymentIntent's metadata: ask Stripe for the PaymentIntent. */
  async function intentMetadata(intentId: string): Promise<Stripe.Metadata> {
    try {
      return (await (await stripe()).paymentIntents.retrieve(intentId)).metadata;
    } catch (error) {
      throw new ProcessorUnavailableError(error);
    }
  }

  // The signature is checked before anything else runs; any error is a problem+json answer.
  const handler = middy<unknown, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(problemAnswers() as middy.MiddlewareObj<unknown, HttpResponse, Error, Context>)
    .handler(async (input, context) => process(await verified(input as WebhookProxyEvent), context));
  return async (input: unknown, context: Context): Promise<APIGatewayProxyResult> => ({ ...(await handler(input, context)) });

  async function verified(event: WebhookProxyEvent): Promise<EventRequest> {
    if ((event.httpMethod ?? '').toUpperCase() !== 'POST') throw methodNotAllowed(['POST']);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.headers ?? {})) if (typeof value === 'string') headers[name.toLowerCase()] = value;
    const signature = headers['stripe-signature'];
    if (!signature) throw invalidSignature('The Stripe-Signature header is missing.');
    let webhookSecret: string | undefined;
    try {
      webhookSecret = (await credentials()).webhookSecret;
    } catch (error) {
      throw httpError('webhook_misconfigured', '', { cause: error });
    }
    if (!webhookSecret) throw httpError('webhook_misconfigured', '', { cause: new Error('no STRIPE_WEBHOOK_SECRET') });
    // The signature covers the exact bytes Stripe sent: never a re-serialized body.
    const payload = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : (event.body ?? '');
    const StripeSdk = require('stripe') as typeof Stripe;
    let stripeEvent: Stripe.Event;
    try {
      stripeEvent = StripeSdk.webhooks.constructEvent(payload, signature, webhookSecret, SIGNATURE_TOLERANCE_SECONDS, undefined, now());
    } catch (error) {
      if ((error as { type?: string }).type === 'StripeSignatureVerificationError') {
        const stale = /tolerance/i.test((error as Error).message);
        throw invalidSignature(stale ? 'The signature is older than 5 minutes.' : 'The Stripe-Signature header does not match the body and the endpoint secret.');
      }
      throw badRequest('invalid_payload', 'The signed body is not a Stripe event.');
    }
    if (typeof stripeEvent?.id !== 'string' || !/^evt_[A-Za-z0-9_]{1,200}$/.test(stripeEvent.id) || typeof stripeEvent.type !== 'string') {
      throw badRequest('invalid_payload', 'The signed body is not a Stripe event.');
    }
    return {
      method: 'POST',
      path: STRIPE_WEBHOOK_PATH,
      headers: { 'content-type': 'application/json', [IDEMPOTENCY_KEY_HEADER.toLowerCase()]: stripeEvent.id },
      pathParameters: {},
      body: null,
      // What makes two deliveries the same event; `pending_webhooks` and the like change between them.
      parsedBody: { id: stripeEvent.id, type: stripeEvent.type },
      tenant: WEBHOOK_TENANT,
      stripeEvent,
    };
  }
}

/** The tenant and payment our StripeProcessor put in the metadata; anything else is not ours. */
function ourMetadata(metadata: Stripe.Metadata | null | undefined): { tenant: string; payment_id: string } | undefined {
  const tenant = metadata?.tenant;
  const paymentId = metadata?.payment_id;
  return tenant && paymentId && PAYMENT_ID.test(paymentId) ? { tenant, payment_id: paymentId } : undefined;
}

function answer(event: Stripe.Event, outcome: ChangeOutcome): HttpResponse {
  if (outcome === 'not_committed') {
    // A 5xx is not stored: the idempotency layer releases the event id, and Stripe delivers it again.
    return problemFor('payment_not_committed', 'The payment this event is about is still being created; deliver the event again later.', {}, {
      'Retry-After': String(NOT_COMMITTED_RETRY_AFTER_SECONDS),
    });
  }
  return jsonResponse(200, { received: true, event: event.id, type: event.type, outcome: outcome === 'unknown' ? 'ignored' : outcome });
}

const invalidSignature = (detail: string) => badRequest('invalid_signature', detail);
