import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { newId } from './objects';

/** The Event object (https://docs.stripe.com/api/events/object). */
export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  type: string;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  /** The API request that caused the event; both null for events not caused by one. */
  request: { id: string | null; idempotency_key: string | null };
}

export interface EventSource {
  apiVersion: string;
  createdEpochSeconds: number;
  request?: { id: string; idempotencyKey: string | null };
  previousAttributes?: Record<string, unknown>;
}

export function buildEvent(type: string, object: unknown, source: EventSource): StripeEvent {
  return {
    id: newId('evt'),
    object: 'event',
    api_version: source.apiVersion,
    created: source.createdEpochSeconds,
    type,
    data: { object: structuredClone(object), ...(source.previousAttributes ? { previous_attributes: source.previousAttributes } : {}) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: source.request?.id ?? null, idempotency_key: source.request?.idempotencyKey ?? null },
  };
}

/**
 * The `Stripe-Signature` header Stripe sends (https://docs.stripe.com/webhooks#verify-manually):
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw payload>" keyed with the endpoint secret>`.
 * Pass an old timestamp or another secret to make a signature a receiver must refuse.
 */
export function signPayload(payload: string, secret: string, timestampSeconds: number): string {
  const t = Math.floor(timestampSeconds);
  const v1 = createHmac('sha256', secret).update(`${t}.${payload}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}

/** Stripe posts the event pretty-printed; the signature covers these exact bytes. */
export const eventPayload = (event: StripeEvent) => JSON.stringify(event, null, 2);

export interface DeliveryOptions {
  /** The endpoint's signing secret (`whsec_…`). */
  secret: string;
  /** The `t=` of the signature. @default the server clock, in seconds */
  timestampSeconds?: number;
  /** The whole `Stripe-Signature` header, instead of a correct one. */
  signature?: string;
}

export interface Delivery {
  status: number;
  body: string;
  /** The exact payload and header sent, so a test can send them again (a redelivery). */
  payload: string;
  signature: string;
}

/** POSTs an event to a webhook endpoint the way Stripe does and returns the endpoint's answer. */
export function deliverEvent(event: StripeEvent | string, url: string, options: DeliveryOptions & { timestampSeconds: number }): Promise<Delivery> {
  const payload = typeof event === 'string' ? event : eventPayload(event);
  const signature = options.signature ?? signPayload(payload, options.secret, options.timestampSeconds);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(payload),
          'Stripe-Signature': signature,
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), payload, signature }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
