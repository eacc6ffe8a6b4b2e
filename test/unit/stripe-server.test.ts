import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import {
  FaultKind,
  IDEMPOTENCY_WINDOW_MS,
  type StripeServer,
  signPayload,
  startStripeServer,
  stripeClientFor,
} from '../helpers/stripe-server';

// The fake Stripe driven through the real stripe-node SDK: what the SDK sees is what our
// StripeProcessor will see, so these tests pin the server to Stripe's documented behaviour.

let server: StripeServer;
let clockEpochMs = Date.now();
let stripe: Stripe;

beforeAll(async () => {
  server = await startStripeServer({ now: () => clockEpochMs });
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  clockEpochMs = Date.now();
  stripe = stripeClientFor(server);
});

const KEY = 'idempotent-payments-exec-1';

function intentParams(overrides: Partial<Stripe.PaymentIntentCreateParams> = {}): Stripe.PaymentIntentCreateParams {
  return {
    amount: 1250,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
    allowed_payment_method_types: ['card'],
    error_on_requires_action: true,
    description: 'order 42',
    metadata: { tenant: 'acme', idempotency_key: 'client-key-1', payment_id: 'pay_1' },
    ...overrides,
  };
}

async function rejectionOf(work: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await work;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error('expected the call to fail');
}

const eventTypes = () => server.events.map((event) => event.type);

describe('creating and confirming a PaymentIntent', () => {
  it('succeeds with pm_card_visa: one PaymentIntent, one succeeded Charge, the form parameters parsed', async () => {
    const intent = await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });

    expect(intent).toMatchObject({ object: 'payment_intent', status: 'succeeded', amount: 1250, amount_received: 1250, currency: 'usd', livemode: false });
    expect(intent.id).toMatch(/^pi_\w{24}$/);
    expect(intent.latest_charge).toMatch(/^ch_/);
    expect(intent.payment_method).toMatch(/^pm_/);
    expect(intent.metadata).toEqual({ tenant: 'acme', idempotency_key: 'client-key-1', payment_id: 'pay_1' });
    expect(intent).toMatchObject({ allowed_payment_method_types: ['card'], payment_method_types: ['card'] });
    expect(server.paymentIntents().map((pi) => pi.id)).toEqual([intent.id]);
    expect(server.charges()).toEqual([expect.objectContaining({ id: intent.latest_charge, payment_intent: intent.id, status: 'succeeded', paid: true })]);
    expect(server.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/payment_intents',
      idempotencyKey: KEY,
      status: 200,
      replayed: false,
      params: { amount: '1250', allowed_payment_method_types: ['card'], metadata: { tenant: 'acme' }, confirm: 'true' },
    });
    expect(eventTypes()).toEqual(['payment_intent.created', 'charge.succeeded', 'payment_intent.succeeded']);
    expect(server.events[2]?.request).toEqual({ id: server.requests[0]?.requestId, idempotency_key: KEY });
  });

  it('succeeds with another documented test card (pm_card_mastercard)', async () => {
    const intent = await stripe.paymentIntents.create(intentParams({ payment_method: 'pm_card_mastercard' }));
    expect(intent.status).toBe('succeeded');
    expect(server.charges()[0]?.payment_method_details).toMatchObject({ card: { brand: 'mastercard', last4: '4444' } });
  });

  it('declines pm_card_chargeDeclined as a 402 card error carrying the PaymentIntent and the failed Charge', async () => {
    const error = await rejectionOf(stripe.paymentIntents.create(intentParams({ payment_method: 'pm_card_chargeDeclined' }), { idempotencyKey: KEY }));

    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, rawType: 'card_error', code: 'card_declined', decline_code: 'generic_decline' });
    const [intent] = server.paymentIntents();
    const [charge] = server.charges();
    expect(error.charge).toBe(charge?.id);
    expect(charge).toMatchObject({ status: 'failed', failure_code: 'card_declined', paid: false });
    expect(error.payment_intent).toMatchObject({ id: intent?.id, status: 'requires_payment_method', latest_charge: charge?.id });
    expect(error.payment_intent?.last_payment_error).toMatchObject({ type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', charge: charge?.id });
    expect(eventTypes()).toEqual(['payment_intent.created', 'charge.failed', 'payment_intent.payment_failed']);
  });

  it('fails a card needing 3-D Secure when error_on_requires_action is set, and leaves it requires_action otherwise', async () => {
    const error = await rejectionOf(stripe.paymentIntents.create(intentParams({ payment_method: 'pm_card_authenticationRequired' })));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code: 'authentication_required', decline_code: 'authentication_not_handled' });
    expect(error.payment_intent).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'authentication_required' } });

    const pending = await stripe.paymentIntents.create(intentParams({ payment_method: 'pm_card_authenticationRequired', error_on_requires_action: false }));
    expect(pending.status).toBe('requires_action');
    expect(pending.next_action?.type).toBe('use_stripe_sdk');
    expect(server.charges()).toEqual([]);
  });

  it('refuses an unknown PaymentMethod as resource_missing on payment_method, creating nothing', async () => {
    const error = await rejectionOf(stripe.paymentIntents.create(intentParams({ payment_method: 'pm_does_not_exist' })));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'payment_method', message: "No such PaymentMethod: 'pm_does_not_exist'" });
    expect(server.paymentIntents()).toEqual([]);
  });

  it.each([
    ['a fractional amount', { amount: 10.5 }, 'amount', 'parameter_invalid_integer'],
    ['a negative amount', { amount: -5 }, 'amount', 'parameter_invalid_integer'],
    ['a missing amount', { amount: undefined }, 'amount', 'parameter_missing'],
    ['an amount under the currency minimum', { amount: 20 }, 'amount', 'amount_too_small'],
    ['an unknown currency', { currency: 'zzz' }, 'currency', undefined],
    ['an unknown parameter', { colour: 'red' } as Partial<Stripe.PaymentIntentCreateParams>, 'colour', 'parameter_unknown'],
  ])('refuses %s with a 400 naming the param', async (_case, overrides, param, code) => {
    const error = await rejectionOf(stripe.paymentIntents.create(intentParams(overrides as Partial<Stripe.PaymentIntentCreateParams>)));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error', param, code });
    expect(server.paymentIntents()).toEqual([]);
  });

  it('refuses payment_method_types on the SDK\'s API version (endive) and accepts it on an older one', async () => {
    const legacy = { ...intentParams(), allowed_payment_method_types: undefined, payment_method_types: ['card'] } as Stripe.PaymentIntentCreateParams;
    const error = await rejectionOf(stripe.paymentIntents.create(legacy));
    expect(error).toMatchObject({ statusCode: 400, code: 'payment_method_types_no_longer_supported', param: 'payment_method_types' });

    const intent = await stripe.paymentIntents.create(legacy, { apiVersion: '2026-07-29.dahlia' });
    expect(intent).toMatchObject({ status: 'succeeded', payment_method_types: ['card'], allowed_payment_method_types: null });
  });

  it('retrieves a PaymentIntent, and answers 404 resource_missing for an unknown id', async () => {
    const created = await stripe.paymentIntents.create(intentParams());
    const retrieved = await stripe.paymentIntents.retrieve(created.id);
    expect(retrieved).toMatchObject({ id: created.id, status: 'succeeded', latest_charge: created.latest_charge });
    const expanded = await stripe.paymentIntents.retrieve(created.id, { expand: ['latest_charge'] });
    expect(expanded.latest_charge).toMatchObject({ object: 'charge', id: created.latest_charge, status: 'succeeded' });

    const error = await rejectionOf(stripe.paymentIntents.retrieve('pi_unknown'));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing' });
  });

  it('answers a wrong secret key with a 401 the SDK raises as StripeAuthenticationError', async () => {
    const intruder = stripeClientFor(server, { secretKey: 'sk_test_wrong_key_1234' });
    const error = await rejectionOf(intruder.paymentIntents.create(intentParams(), { idempotencyKey: KEY }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error.statusCode).toBe(401);
    expect(error.message).toMatch(/^Invalid API Key provided: sk_test_\*+1234$/);
    expect(server.paymentIntents()).toEqual([]);
  });
});

describe('idempotency keys', () => {
  it('replays the saved answer for the same key and parameters: same PaymentIntent, Idempotent-Replayed, one created', async () => {
    const first = await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    const again = await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });

    expect(again.id).toBe(first.id);
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(again.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);
    expect(server.paymentIntents()).toHaveLength(1);
    expect(server.requests.map((request) => request.replayed)).toEqual([false, true]);
  });

  it('replays a decline too: the same 402 and the same PaymentIntent, no second attempt', async () => {
    const params = intentParams({ payment_method: 'pm_card_chargeDeclined' });
    const first = await rejectionOf(stripe.paymentIntents.create(params, { idempotencyKey: KEY }));
    const again = await rejectionOf(stripe.paymentIntents.create(params, { idempotencyKey: KEY }));
    expect(again).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(again.payment_intent?.id).toBe(first.payment_intent?.id);
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(server.paymentIntents()).toHaveLength(1);
    expect(server.charges()).toHaveLength(1);
  });

  it('refuses the same key with other parameters, or on another endpoint, as an idempotency_error', async () => {
    await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    const changed = await rejectionOf(stripe.paymentIntents.create(intentParams({ amount: 9999 }), { idempotencyKey: KEY }));
    expect(changed).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(changed).toMatchObject({ statusCode: 400, rawType: 'idempotency_error' });

    const elsewhere = await rejectionOf(stripe.refunds.create({ payment_intent: server.paymentIntents()[0]?.id ?? '' }, { idempotencyKey: KEY }));
    expect(elsewhere).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(server.paymentIntents()).toHaveLength(1);
    expect(server.refunds()).toEqual([]);
  });

  it('answers 409 idempotency_key_in_use while the first request with the key is still executing', async () => {
    server.fault({ kind: FaultKind.Stall, path: '/v1/payment_intents', ms: 300 });
    const first = stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    await waitFor(() => server.requests.length === 1);

    const conflict = await rejectionOf(stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY }));
    expect(conflict).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(conflict).toMatchObject({ statusCode: 409, code: 'idempotency_key_in_use' });

    const intent = await first;
    const later = await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    expect(later.id).toBe(intent.id);
    expect(server.paymentIntents()).toHaveLength(1);
    expect(server.requests.map((request) => request.status)).toEqual([200, 409, 200]);
  });

  it('saves nothing for a request that fails validation: its corrected retry with the same key runs', async () => {
    await rejectionOf(stripe.paymentIntents.create(intentParams({ currency: 'zzz' }), { idempotencyKey: KEY }));
    const intent = await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    expect(intent.status).toBe('succeeded');
    expect(intent.lastResponse.headers['idempotent-replayed']).toBeUndefined();
  });

  it('forgets a key 24 hours after its first use: the same key then creates a new PaymentIntent', async () => {
    const first = await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    clockEpochMs += IDEMPOTENCY_WINDOW_MS - 1;
    expect((await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY })).id).toBe(first.id);

    clockEpochMs += 1;
    const after = await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    expect(after.id).not.toBe(first.id);
    expect(server.paymentIntents()).toHaveLength(2);
  });
});

describe('faults, and what stripe-node does with them', () => {
  it('reset-after-create: the PaymentIntent exists, the answer is lost, and the SDK retry with the same key gets it', async () => {
    server.fault({ kind: FaultKind.ResetAfterCreate, path: '/v1/payment_intents' });
    const intent = await stripeClientFor(server, { maxNetworkRetries: 2 }).paymentIntents.create(intentParams(), { idempotencyKey: KEY });

    expect(server.paymentIntents().map((pi) => pi.id)).toEqual([intent.id]);
    expect(server.requests).toEqual([
      expect.objectContaining({ idempotencyKey: KEY, fault: FaultKind.ResetAfterCreate, status: null, replayed: false }),
      expect.objectContaining({ idempotencyKey: KEY, status: 200, replayed: true }),
    ]);
  });

  it('reset-after-create is retried once even with maxNetworkRetries 0 (stripe-node retries a closed connection once)', async () => {
    server.fault({ kind: FaultKind.ResetAfterCreate });
    const intent = await stripeClientFor(server, { maxNetworkRetries: 0 }).paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    expect(intent.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(server.requests).toHaveLength(2);
    expect(server.paymentIntents()).toHaveLength(1);
  });

  it('reset-before: nothing runs, the retry creates the one PaymentIntent', async () => {
    server.fault({ kind: FaultKind.ResetBefore, times: 1 });
    const intent = await stripeClientFor(server, { maxNetworkRetries: 2 }).paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    expect(intent.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(server.requests.map((request) => [request.fault, request.status])).toEqual([[FaultKind.ResetBefore, null], [undefined, 200]]);
    expect(server.paymentIntents()).toHaveLength(1);
  });

  it('500 (nothing saved) is retried by the SDK and the retry executes', async () => {
    server.fault({ kind: FaultKind.ServerError });
    const intent = await stripeClientFor(server, { maxNetworkRetries: 1 }).paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    expect(intent.status).toBe('succeeded');
    expect(server.requests.map((request) => [request.status, request.replayed])).toEqual([[500, false], [200, false]]);
  });

  it('500-stored is saved for the key: Stripe-Should-Retry false stops the SDK, and a later retry replays the 500', async () => {
    server.fault({ kind: FaultKind.StoredServerError });
    const client = stripeClientFor(server, { maxNetworkRetries: 2 });
    const error = await rejectionOf(client.paymentIntents.create(intentParams(), { idempotencyKey: KEY }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error.statusCode).toBe(500);
    expect(server.requests).toHaveLength(1);

    const again = await rejectionOf(client.paymentIntents.create(intentParams(), { idempotencyKey: KEY }));
    expect(again.statusCode).toBe(500);
    expect(server.requests[1]?.replayed).toBe(true);
    expect(server.paymentIntents()).toEqual([]);
  });

  it('429 carries Stripe-Should-Retry: the SDK retries it when it may, else raises StripeRateLimitError', async () => {
    server.fault({ kind: FaultKind.RateLimited });
    const intent = await stripeClientFor(server, { maxNetworkRetries: 1 }).paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    expect(intent.status).toBe('succeeded');
    expect(server.requests.map((request) => request.status)).toEqual([429, 200]);

    server.fault({ kind: FaultKind.RateLimited });
    const error = await rejectionOf(stripe.paymentIntents.create(intentParams(), { idempotencyKey: 'another-key' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: 'rate_limit' });
  });

  it('stall: the SDK gives up with StripeConnectionError; the server ran it, so the retry with the key is a replay', async () => {
    server.fault({ kind: FaultKind.Stall });
    const impatient = stripeClientFor(server, { timeoutMs: 150 });
    const error = await rejectionOf(impatient.paymentIntents.create(intentParams(), { idempotencyKey: KEY }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(error.message).toMatch(/timeout/);
    await waitFor(() => server.paymentIntents().length === 1);

    const intent = await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    expect(intent.id).toBe(server.paymentIntents()[0]?.id);
    expect(server.requests.map((request) => [request.status, request.replayed])).toEqual([[null, false], [200, true]]);
  });

  it('stall with ms: Stripe finishes late whether or not the client waited; until then the key answers 409', async () => {
    server.fault({ kind: FaultKind.Stall, ms: 400 });
    const impatient = stripeClientFor(server, { timeoutMs: 100 });
    expect(await rejectionOf(impatient.paymentIntents.create(intentParams(), { idempotencyKey: KEY }))).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(server.paymentIntents()).toEqual([]);
    expect((await rejectionOf(stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY }))).statusCode).toBe(409);

    await waitFor(() => server.paymentIntents().length === 1);
    const intent = await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    expect(intent.lastResponse.headers['idempotent-replayed']).toBe('true');
  });

  it('close() ends a held request without running it, so nothing keeps the test process alive', async () => {
    const other = await startStripeServer();
    other.fault({ kind: FaultKind.Stall });
    const pending = rejectionOf(stripeClientFor(other).paymentIntents.create(intentParams(), { idempotencyKey: KEY }));
    await waitFor(() => other.requests.length === 1);
    await other.close();
    expect(await pending).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(other.paymentIntents()).toEqual([]);
  });

  it('a fault hits only the path it names', async () => {
    server.fault({ kind: FaultKind.ServerError, path: '/v1/refunds' });
    const intent = await stripe.paymentIntents.create(intentParams());
    expect(intent.status).toBe('succeeded');
    const error = await rejectionOf(stripe.refunds.create({ payment_intent: intent.id }));
    expect(error.statusCode).toBe(500);
  });
});

describe('refunds', () => {
  it('refunds in full by PaymentIntent, marks the Charge refunded and emits charge.refunded', async () => {
    const intent = await stripe.paymentIntents.create(intentParams());
    const refund = await stripe.refunds.create({ payment_intent: intent.id }, { idempotencyKey: 'refund-1' });

    expect(refund).toMatchObject({ object: 'refund', amount: 1250, charge: intent.latest_charge, payment_intent: intent.id, status: 'succeeded' });
    expect(server.charges()[0]).toMatchObject({ amount_refunded: 1250, refunded: true });
    const event = server.events.find((candidate) => candidate.type === 'charge.refunded');
    expect(event?.data.object).toMatchObject({ id: intent.latest_charge, refunded: true, amount_refunded: 1250 });
    expect(event?.data.previous_attributes).toEqual({ amount_refunded: 0, refunded: false });
    expect(event?.request.idempotency_key).toBe('refund-1');
  });

  it('refunds part by Charge, then the rest, then refuses a third as charge_already_refunded; a replay makes no new refund', async () => {
    const intent = await stripe.paymentIntents.create(intentParams());
    const charge = intent.latest_charge as string;
    await stripe.refunds.create({ charge, amount: 250 }, { idempotencyKey: 'part' });
    expect(server.charges()[0]).toMatchObject({ amount_refunded: 250, refunded: false });
    const replay = await stripe.refunds.create({ charge, amount: 250 }, { idempotencyKey: 'part' });
    expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');

    await stripe.refunds.create({ charge });
    expect(server.charges()[0]).toMatchObject({ amount_refunded: 1250, refunded: true });
    const error = await rejectionOf(stripe.refunds.create({ charge }));
    expect(error).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    expect(server.refunds().map((refund) => refund.amount)).toEqual([250, 1000]);
    expect(eventTypes().filter((type) => type === 'charge.refunded')).toHaveLength(2);
  });
});

describe('webhooks', () => {
  const SECRET = 'whsec_test_secret';
  let receiver: Server;
  let receiverUrl: string;
  const verifier = new Stripe('sk_test_unused');

  beforeAll(async () => {
    // An endpoint doing what ours must: verify the raw body against the header with the real SDK.
    receiver = createServer(async (req, res) => {
      const raw = await readAll(req);
      try {
        const event = verifier.webhooks.constructEvent(raw, String(req.headers['stripe-signature']), SECRET);
        res.writeHead(200).end(event.id);
      } catch (error) {
        res.writeHead(400).end((error as Error).message);
      }
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it("delivers the server's own events signed so that stripe.webhooks.constructEvent accepts them", async () => {
    const intent = await stripe.paymentIntents.create(intentParams(), { idempotencyKey: KEY });
    const event = server.events.find((candidate) => candidate.type === 'payment_intent.succeeded');
    if (!event) throw new Error('no payment_intent.succeeded event');

    const delivery = await server.deliver(event, receiverUrl, { secret: SECRET });
    expect(delivery).toMatchObject({ status: 200, body: event.id });
    const parsed = verifier.webhooks.constructEvent(delivery.payload, delivery.signature, SECRET);
    expect(parsed).toMatchObject({ object: 'event', type: 'payment_intent.succeeded', livemode: false, data: { object: { id: intent.id, status: 'succeeded' } } });
  });

  it('signs exactly as the SDK does, and the SDK refuses a stale timestamp or another secret', () => {
    const event = server.webhooks.constructEventPayload('charge.refunded', { id: 'ch_1', object: 'charge' });
    expect(event).toMatchObject({ object: 'event', type: 'charge.refunded', pending_webhooks: 1, livemode: false, request: { id: null, idempotency_key: null } });
    expect(event.id).toMatch(/^evt_/);
    const payload = server.webhooks.payloadOf(event);
    const nowSeconds = Math.floor(Date.now() / 1000);

    expect(signPayload(payload, SECRET, nowSeconds)).toBe(verifier.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: nowSeconds }));
    expect(() => verifier.webhooks.constructEvent(payload, signPayload(payload, SECRET, nowSeconds - 301), SECRET)).toThrow('Timestamp outside the tolerance zone');
    expect(() => verifier.webhooks.constructEvent(payload, signPayload(payload, 'whsec_other', nowSeconds), SECRET)).toThrow(/No signatures found/);
  });

  it('an endpoint answers 400 to a delivery with a stale or a wrong signature', async () => {
    const event = server.webhooks.constructEventPayload('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent' });
    const stale = await server.deliver(event, receiverUrl, { secret: SECRET, timestampSeconds: Math.floor(Date.now() / 1000) - 301 });
    const wrong = await server.deliver(event, receiverUrl, { secret: 'whsec_other' });
    const forged = await server.deliver(event, receiverUrl, { secret: SECRET, signature: 't=1,v1=deadbeef' });
    expect([stale.status, wrong.status, forged.status]).toEqual([400, 400, 400]);
  });
});

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
