import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { DEFAULT_API_VERSION, type RecordedRequest, createDispatcher } from './stripe-server/dispatch';
import { type FaultSpec, FaultQueue } from './stripe-server/faults';
import { IdempotencyStore } from './stripe-server/idempotency';
import { type ChargeObject, type PaymentIntentObject, type RefundObject, emptyState, snapshot } from './stripe-server/objects';
import { type Delivery, type DeliveryOptions, type StripeEvent, buildEvent, deliverEvent, eventPayload, signPayload } from './stripe-server/webhooks';

/**
 * A Stripe-compatible HTTP server for tests, driven with the real `stripe` package. What it
 * implements, and which behaviours come from Stripe's docs and which are assumptions:
 * test/helpers/STRIPE-SERVER.md.
 */
export { FaultKind, type FaultSpec } from './stripe-server/faults';
export { IDEMPOTENCY_WINDOW_MS } from './stripe-server/idempotency';
export { TEST_PAYMENT_METHODS } from './stripe-server/payment-methods';
export { signPayload, type Delivery, type DeliveryOptions, type StripeEvent } from './stripe-server/webhooks';
export type { ChargeObject, PaymentIntentObject, RecordedRequest, RefundObject };

export const DEFAULT_SECRET_KEY = 'sk_test_stripe_server';

/**
 * Longer than any test: Node's 5 s default would let the server close an idle keep-alive socket
 * just as the SDK reuses it, and the SDK's retry of that reset would add a request to the count.
 */
const KEEP_ALIVE_TIMEOUT_MS = 60_000;

export interface StripeServerOptions {
  /** The only key the server accepts. @default 'sk_test_stripe_server' */
  secretKey?: string;
  /** The clock for `created`, key expiry and webhook timestamps, in epoch ms. @default Date.now */
  now?: () => number;
}

export interface StripeServer {
  /** e.g. `http://127.0.0.1:40123` */
  url: string;
  host: string;
  port: number;
  secretKey: string;
  /** Every request that arrived, in order, with what it was answered. */
  requests: RecordedRequest[];
  /** Every event the server's own state changes produced, in order. */
  events: StripeEvent[];
  /** PaymentIntents as they are now, in creation order: one per executed create request. */
  paymentIntents(): PaymentIntentObject[];
  charges(): ChargeObject[];
  refunds(): RefundObject[];
  /** Arms a fault for the next matching requests (see FaultKind). */
  fault(spec: FaultSpec): void;
  webhooks: {
    /** An Event as Stripe would send it, not caused by an API request and not added to `events`. */
    constructEventPayload(type: string, object: unknown): StripeEvent;
    /** The exact bytes Stripe posts for an event. */
    payloadOf(event: StripeEvent): string;
    signPayload: typeof signPayload;
  };
  /** POSTs an event (or a raw payload) to a webhook endpoint, signed as Stripe signs. */
  deliver(event: StripeEvent | string, url: string, options: DeliveryOptions): Promise<Delivery>;
  /** Forgets all objects, events, requests, saved keys and armed faults. */
  reset(): void;
  /** Ends held requests, drops every connection and stops listening. */
  close(): Promise<void>;
}

export async function startStripeServer(options: StripeServerOptions = {}): Promise<StripeServer> {
  const secretKey = options.secretKey ?? DEFAULT_SECRET_KEY;
  const nowEpochMs = options.now ?? Date.now;
  const state = emptyState();
  const idempotency = new IdempotencyStore(nowEpochMs);
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const events: StripeEvent[] = [];
  const holds = new Set<() => void>();

  const server = createServer(createDispatcher({ secretKey, nowEpochMs, state, idempotency, faults, requests, events, holds }));
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = '127.0.0.1';
  const nowEpochSeconds = () => Math.floor(nowEpochMs() / 1000);

  return {
    url: `http://${host}:${port}`,
    host,
    port,
    secretKey,
    requests,
    events,
    paymentIntents: () => [...state.paymentIntents.values()].map(snapshot),
    charges: () => [...state.charges.values()].map(snapshot),
    refunds: () => [...state.refunds.values()].map(snapshot),
    fault: (spec) => faults.add(spec),
    webhooks: {
      constructEventPayload: (type, object) => buildEvent(type, object, { apiVersion: DEFAULT_API_VERSION, createdEpochSeconds: nowEpochSeconds() }),
      payloadOf: eventPayload,
      signPayload,
    },
    deliver: (event, url, deliveryOptions) => deliverEvent(event, url, { ...deliveryOptions, timestampSeconds: deliveryOptions.timestampSeconds ?? nowEpochSeconds() }),
    reset() {
      state.paymentIntents.clear();
      state.charges.clear();
      state.refunds.clear();
      idempotency.clear();
      faults.clear();
      requests.length = 0;
      events.length = 0;
    },
    async close() {
      for (const end of [...holds]) end();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

export interface StripeClientOptions {
  /** @default 0: each retry a test wants is asked for (the SDK's own default is 2) */
  maxNetworkRetries?: number;
  /** Per-attempt timeout. @default the SDK's 80 s */
  timeoutMs?: number;
  /** @default the server's key */
  secretKey?: string;
}

/** A real stripe-node client pointed at the server over plain HTTP. */
export function stripeClientFor(server: StripeServer, options: StripeClientOptions = {}): Stripe {
  return new Stripe(options.secretKey ?? server.secretKey, {
    host: server.host,
    port: server.port,
    protocol: 'http',
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    telemetry: false,
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
  });
}
