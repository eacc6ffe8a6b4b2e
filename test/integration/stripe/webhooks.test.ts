import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createPaymentsApp } from '../../../lambda/payments/app';
import { type AppConfig, configFromEnv } from '../../../lambda/payments/config';
import { createStripeWebhookHandler, WEBHOOK_TENANT } from '../../../lambda/stripe/webhook';
import { createLocalServer } from '../../../local/server';
import { deferred } from '../../helpers/drivers';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { recordOf } from '../../helpers/ledger';
import { startStripeServer, stripeClientFor, type StripeEvent, type StripeServer } from '../../helpers/stripe-server';
import { readTable } from '../../helpers/table-contents';
import { TestKeyring } from '../../helpers/test-keys';
import type { PaymentProcessor } from '../../../lambda/payments/processor';
import { StripeProcessor } from '../../../lambda/stripe/processor';
import { credentialsLoader, stripeClientProvider } from '../../../lambda/stripe/client';

const WEBHOOK_SECRET = 'whsec_test_endpoint_secret';

let stripe: StripeServer;
let table: TestTable;
let server: Server;
let keys: TestKeyring;
let authorization: string;
let url: string;
let config: AppConfig;
/** Set by a test to hold POST /payments inside the processor call (the record stays IN_PROGRESS). */
let gate: Promise<void> | undefined;

beforeAll(async () => {
  stripe = await startStripeServer();
  table = await createTestTable('webhooks');
  config = configFromEnv({
    TABLE_NAME: table.tableName,
    PAYMENT_PROCESSOR: 'stripe',
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE_URL: stripe.url,
  });
  const real = new StripeProcessor(stripeClientProvider(config.stripe!, credentialsLoader(config.stripe!)));
  const processor: PaymentProcessor = {
    idempotencyWindowMs: real.idempotencyWindowMs,
    acceptsPaymentMethodIds: true,
    charge: async (request) => {
      const charge = await real.charge(request);
      await gate;
      // A payment method whose outcome Stripe reports later (a bank debit, say): the test server's
      // cards all settle at once, so a key named processing-… is answered as still processing.
      return request.metadata.idempotencyKey.startsWith('processing-') ? { ...charge, status: 'processing' } : charge;
    },
  };
  const app = createPaymentsApp({ client: table.client, config, processor });
  keys = new TestKeyring(table.endpoint, table.tableName);
  authorization = await keys.authorization('tenant-w');
  // The webhook route is outside the keys: Stripe signs its deliveries and sends no secret key of ours.
  server = createLocalServer({ handler: app.handler, keys: keys.store, webhookHandler: createStripeWebhookHandler({ client: table.client, config }) });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await stripe.close();
  keys.close();
  await table.drop();
});

const webhookUrl = () => `${url}/webhooks/stripe`;
const deliver = (event: StripeEvent | string, options: { timestampSeconds?: number; signature?: string } = {}) =>
  stripe.deliver(event, webhookUrl(), { secret: WEBHOOK_SECRET, ...options });

async function pay(key: string, body: Record<string, unknown> = { amount: 5000, currency: 'usd', source: 'tok_visa' }) {
  const response = await fetch(`${url}/payments`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Idempotency-Key': key, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

async function payment(id: string) {
  const response = await fetch(`${url}/payments/${id}`, { headers: { Authorization: authorization } });
  return (await response.json()) as any;
}

const eventsOf = (type: string) => stripe.events.filter((e) => e.type === type);
const webhookRecords = async () => (await readTable(table.client, table.tableName)).records.filter((item) => item.tenant === WEBHOOK_TENANT);

describe('POST /webhooks/stripe', () => {
  it('moves a refunded payment forward: GET /payments/{id} shows the refund; a redelivery gets the stored answer', async () => {
    const created = await pay('refund-me');
    expect(created.status).toBe(201);
    await stripeClientFor(stripe).refunds.create({ payment_intent: created.json.payment_intent }, { idempotencyKey: 'refund-1' });
    const [refunded] = eventsOf('charge.refunded');
    const delivery = await deliver(refunded!);
    expect([delivery.status, JSON.parse(delivery.body)]).toEqual([200, { received: true, event: refunded!.id, type: 'charge.refunded', outcome: 'changed' }]);
    expect(await payment(created.json.id)).toMatchObject({ status: 'refunded', amount_refunded: 5000, charge: created.json.charge });

    const again = await fetch(webhookUrl(), { method: 'POST', headers: { 'Stripe-Signature': delivery.signature, 'Content-Type': 'application/json; charset=utf-8' }, body: delivery.payload });
    expect([again.status, again.headers.get('idempotent-replayed'), await again.text()]).toEqual([200, 'true', delivery.body]);
  });

  it('never moves a payment back: an older payment_intent.succeeded arriving after the refund changes nothing', async () => {
    const created = await pay('out-of-order');
    const [succeeded] = eventsOf('payment_intent.succeeded').filter((e) => (e.data.object as any).id === created.json.payment_intent);
    await stripeClientFor(stripe).refunds.create({ payment_intent: created.json.payment_intent });
    const refunded = eventsOf('charge.refunded').find((e) => (e.data.object as any).payment_intent === created.json.payment_intent)!;
    expect(JSON.parse((await deliver(refunded)).body).outcome).toBe('changed');
    const late = await deliver(succeeded!);
    expect([late.status, JSON.parse(late.body).outcome]).toEqual([200, 'unchanged']);
    expect((await payment(created.json.id)).status).toBe('refunded');
  });

  it('moves a processing payment to succeeded, or to failed, by the PaymentIntent event', async () => {
    for (const [key, type, status] of [
      ['processing-ok', 'payment_intent.succeeded', 'succeeded'],
      ['processing-ko', 'payment_intent.payment_failed', 'failed'],
    ] as const) {
      const accepted = await pay(key);
      expect([accepted.status, accepted.json.status]).toEqual([202, 'processing']);
      const intent = stripe.paymentIntents().find((pi) => pi.id === accepted.json.payment_intent)!;
      const delivery = await deliver(stripe.webhooks.constructEventPayload(type, intent));
      expect([delivery.status, JSON.parse(delivery.body).outcome]).toEqual([200, 'changed']);
      expect((await payment(accepted.json.id)).status).toBe(status);
      // The replay of the POST is the answer it was; the payment's state is read with GET.
      expect((await pay(key)).status).toBe(202);
    }
  });

  it('records a partial refund without calling the payment refunded', async () => {
    const created = await pay('partial');
    await stripeClientFor(stripe).refunds.create({ payment_intent: created.json.payment_intent, amount: 1200 });
    const refunded = eventsOf('charge.refunded').find((e) => (e.data.object as any).payment_intent === created.json.payment_intent)!;
    expect((await deliver(refunded)).status).toBe(200);
    expect(await payment(created.json.id)).toMatchObject({ status: 'succeeded', amount_refunded: 1200 });
  });

  it.each([
    ['a missing signature', (event: StripeEvent) => ({ signature: '' }), /missing/],
    ['a signature made with another secret', (event: StripeEvent) => ({ signature: stripe.webhooks.signPayload(stripe.webhooks.payloadOf(event), 'whsec_other', Math.floor(Date.now() / 1000)) }), /does not match/],
    ['a stale timestamp (over 5 minutes)', () => ({ timestampSeconds: Math.floor(Date.now() / 1000) - 301 }), /older than 5 minutes/],
  ])('refuses %s with a 400 and changes nothing', async (_, options, detail) => {
    const created = await pay(`unsigned-${Math.random()}`);
    await stripeClientFor(stripe).refunds.create({ payment_intent: created.json.payment_intent });
    const refunded = eventsOf('charge.refunded').find((e) => (e.data.object as any).payment_intent === created.json.payment_intent)!;
    const before = await readTable(table.client, table.tableName);
    const delivery = await deliver(refunded, options(refunded));
    expect(delivery.status).toBe(400);
    expect(JSON.parse(delivery.body)).toMatchObject({ code: 'invalid_signature', detail: expect.stringMatching(detail) });
    expect(await readTable(table.client, table.tableName)).toEqual(before);
    expect((await payment(created.json.id)).status).toBe('succeeded');
  });

  it('acknowledges an event type it does not act on with a 200', async () => {
    const event = stripe.webhooks.constructEventPayload('customer.created', { id: 'cus_123', object: 'customer' });
    const delivery = await deliver(event);
    expect([delivery.status, JSON.parse(delivery.body).outcome]).toEqual([200, 'ignored']);
  });

  it('acknowledges, and ignores, an event about a PaymentIntent that is not ours', async () => {
    const event = stripe.webhooks.constructEventPayload('payment_intent.succeeded', { id: 'pi_elsewhere', object: 'payment_intent', metadata: {} });
    expect(JSON.parse((await deliver(event)).body).outcome).toBe('ignored');
  });

  it('asks Stripe to deliver again (a 503, not stored) an event for a payment still being created, and applies it once committed', async () => {
    const held = deferred();
    gate = held.promise;
    const pending = pay('not-yet');
    await waitFor(() => eventsOf('payment_intent.succeeded').some((e) => (e.data.object as any).metadata?.idempotency_key === 'not-yet'));
    const early = eventsOf('payment_intent.succeeded').find((e) => (e.data.object as any).metadata?.idempotency_key === 'not-yet')!;
    const tooSoon = await deliver(early);
    expect([tooSoon.status, JSON.parse(tooSoon.body).code]).toEqual([503, 'payment_not_committed']);
    expect(recordOf(await readTable(table.client, table.tableName), WEBHOOK_TENANT, early.id)?.status).not.toBe('COMPLETED');
    held.resolve();
    gate = undefined;
    expect((await pending).status).toBe(201);
    const redelivered = await deliver(early);
    expect([redelivered.status, JSON.parse(redelivered.body).outcome]).toEqual([200, 'unchanged']);
  });

  it('keeps one idempotency record per event id, under the webhook tenant', async () => {
    const records = await webhookRecords();
    expect(records.length).toBeGreaterThan(0);
    expect(new Set(records.map((r) => r.idempotencyKey)).size).toBe(records.length);
    expect(records.every((r) => String(r.idempotencyKey).startsWith('evt_'))).toBe(true);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
