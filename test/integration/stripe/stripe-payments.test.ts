import { createDriver, deferred, type Driver, type DriverOptions } from '../../helpers/drivers';
import { recordOf } from '../../helpers/ledger';
import { FaultKind, startStripeServer, type StripeServer } from '../../helpers/stripe-server';
import { type AppConfig, STRIPE_RECOVERY_WINDOW_SECONDS } from '../../../lambda/payments/config';
import type { PaymentProcessor } from '../../../lambda/payments/processor';
import { credentialsLoader, type StripeSettings, stripeClientProvider } from '../../../lambda/stripe/client';
import { StripeProcessor, stripeIdempotencyKey } from '../../../lambda/stripe/processor';

// Every case runs the real `stripe` package against the Stripe-compatible test server
// (test/helpers/STRIPE-SERVER.md says what it checks against Stripe's docs).

let stripe: StripeServer;
beforeAll(async () => {
  stripe = await startStripeServer();
});
afterAll(() => stripe.close());
beforeEach(() => stripe.reset());

const settings = (overrides: Partial<StripeSettings> = {}): StripeSettings => ({
  secretKey: stripe.secretKey,
  apiBaseUrl: new URL(stripe.url),
  maxNetworkRetries: 2,
  ...overrides,
});

let driver: Driver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function stripeDriver(options: { stripe?: Partial<StripeSettings>; config?: DriverOptions['config']; now?: () => number; wrap?: (p: PaymentProcessor) => PaymentProcessor } = {}) {
  // What configFromEnv gives with PAYMENT_PROCESSOR=stripe: recovery's window ends before Stripe's.
  const config = { recovery: { windowSeconds: STRIPE_RECOVERY_WINDOW_SECONDS }, ...options.config, stripe: settings(options.stripe) } as Partial<AppConfig>;
  const wrap = options.wrap;
  const processor = wrap ? () => wrap(new StripeProcessor(stripeClientProvider(config.stripe!, credentialsLoader(config.stripe!)))) : undefined;
  driver = await createDriver('handler', { config, now: options.now, ...(processor ? { processor } : {}) });
  return driver;
}

const visa = { amount: 2000, currency: 'eur', source: 'tok_visa', description: 'Order 1042' };
const createRequests = () => stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');

describe('charging through Stripe', () => {
  it('creates and confirms one PaymentIntent, keyed by the record execution id, with our tenant, key and payment id as metadata', async () => {
    const d = await stripeDriver();
    const first = await d.post({ key: 'order-1042', body: visa });
    expect(first.status).toBe(201);
    const [intent, ...others] = stripe.paymentIntents();
    expect(others).toEqual([]);
    expect(first.json).toMatchObject({ id: expect.stringMatching(/^pay_/), status: 'succeeded', charge: intent!.latest_charge, payment_intent: intent!.id });
    expect(intent).toMatchObject({ amount: 2000, currency: 'eur', status: 'succeeded', description: 'Order 1042' });
    expect(intent!.metadata).toEqual({ tenant: 'tenant-a', idempotency_key: 'order-1042', payment_id: first.json.id });
    const record = recordOf(await d.contents(), 'tenant-a', 'order-1042');
    expect(createRequests().map((r) => r.idempotencyKey)).toEqual([stripeIdempotencyKey(record!.executionId)]);
    expect(createRequests()[0]!.params).toMatchObject({
      payment_method: 'pm_card_visa',
      confirm: 'true',
      error_on_requires_action: 'true',
      allowed_payment_method_types: ['card'],
    });

    const replay = await d.post({ key: 'order-1042', body: visa });
    expect([replay.status, replay.headers['idempotent-replayed'], replay.text]).toEqual([201, 'true', first.text]);
    expect(stripe.paymentIntents()).toHaveLength(1);
    expect((await d.get(first.json.id)).json).toEqual(first.json);
  });

  it('accepts a pm_… payment method id, which the simulator refuses', async () => {
    const d = await stripeDriver();
    expect((await d.post({ key: 'pm-1', body: { ...visa, source: 'pm_card_mastercard' } })).status).toBe(201);
    await d.close();
    driver = await createDriver('handler');
    const refused = await driver.post({ key: 'pm-1', body: { ...visa, source: 'pm_card_mastercard' } });
    expect([refused.status, refused.json.code]).toEqual([400, 'invalid_request']);
  });

  it('stores a declined card as a 402 with the failed payment and replays it; Stripe saw one PaymentIntent', async () => {
    const d = await stripeDriver();
    const declined = await d.post({ key: 'decline-1', body: { ...visa, source: 'tok_chargeDeclined' } });
    expect([declined.status, declined.json.code]).toEqual([402, 'card_declined']);
    const payment = (await d.get(declined.json.payment)).json;
    expect(payment).toMatchObject({ status: 'failed', payment_intent: stripe.paymentIntents()[0]!.id });
    const again = await d.post({ key: 'decline-1', body: { ...visa, source: 'tok_chargeDeclined' } });
    expect([again.status, again.headers['idempotent-replayed'], again.text]).toEqual([402, 'true', declined.text]);
    expect(stripe.paymentIntents()).toHaveLength(1);
  });

  it('ends a card that needs 3-D Secure as a stored 402 authentication_required, with no redirect', async () => {
    const d = await stripeDriver();
    const reply = await d.post({ key: '3ds-1', body: { ...visa, source: 'pm_card_authenticationRequired' } });
    expect([reply.status, reply.json.code]).toEqual([402, 'authentication_required']);
    expect(reply.json.detail).toMatch(/3-D Secure/);
    expect((await d.get(reply.json.payment)).json.status).toBe('failed');
    expect((await d.post({ key: '3ds-1', body: { ...visa, source: 'pm_card_authenticationRequired' } })).headers['idempotent-replayed']).toBe('true');
  });

  it("stores Stripe's refusal of an invalid request as a 400 with Stripe's reason, and replays it", async () => {
    const d = await stripeDriver();
    const reply = await d.post({ key: 'unknown-pm', body: { ...visa, source: 'pm_does_not_exist' } });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ code: 'processor_rejected', processor_code: 'resource_missing', param: 'payment_method' });
    expect(reply.json.detail).toMatch(/pm_does_not_exist/);
    const again = await d.post({ key: 'unknown-pm', body: { ...visa, source: 'pm_does_not_exist' } });
    expect([again.status, again.headers['idempotent-replayed']]).toEqual([400, 'true']);
    expect(stripe.paymentIntents()).toEqual([]);
  });

  it.each([
    ['a 500 on every attempt', FaultKind.ServerError, 3, '1'],
    ['a 429 on every attempt', FaultKind.RateLimited, 3, '2'],
    ['a connection reset before Stripe ran it, on every attempt', FaultKind.ResetBefore, 3, '1'],
  ])('answers %s with a 502 and Retry-After, releases the key, and the retry charges once', async (_, kind, times, retryAfter) => {
    const d = await stripeDriver({ stripe: { maxNetworkRetries: 2 } });
    stripe.fault({ kind, path: '/v1/payment_intents', times });
    const failed = await d.post({ key: 'flaky-1', body: visa });
    expect([failed.status, failed.json.code, failed.headers['retry-after']]).toEqual([502, 'processor_unavailable', retryAfter]);
    const retried = await d.post({ key: 'flaky-1', body: visa });
    expect(retried.status).toBe(201);
    expect(stripe.paymentIntents()).toHaveLength(1);
    expect(new Set(createRequests().map((r) => r.idempotencyKey)).size).toBe(1);
  });

  it('reaches the same PaymentIntent when the answer to its creation was lost: once by the SDK retry, once by the client retry', async () => {
    const d = await stripeDriver({ stripe: { maxNetworkRetries: 1 } });
    stripe.fault({ kind: FaultKind.ResetAfterCreate, path: '/v1/payment_intents', times: 1 });
    const sdkRetried = await d.post({ key: 'lost-1', body: visa });
    expect(sdkRetried.status).toBe(201);
    expect(createRequests().map((r) => r.replayed)).toEqual([false, true]);

    stripe.fault({ kind: FaultKind.ResetAfterCreate, path: '/v1/payment_intents', times: 3 });
    const lost = await d.post({ key: 'lost-2', body: visa });
    expect(lost.status).toBe(502);
    const clientRetried = await d.post({ key: 'lost-2', body: visa });
    expect(clientRetried.status).toBe(201);
    expect(clientRetried.json.payment_intent).toBe(stripe.paymentIntents()[1]!.id);
    expect(stripe.paymentIntents()).toHaveLength(2);
    const keys = createRequests().slice(2).map((r) => r.idempotencyKey);
    expect(new Set(keys).size).toBe(1);
  });

  it("ends the Stripe call by the invocation's deadline with a clean 502, and the retry gets the PaymentIntent the slow call made", async () => {
    const d = await stripeDriver({ stripe: { maxNetworkRetries: 2 } });
    stripe.fault({ kind: FaultKind.Stall, path: '/v1/payment_intents', ms: 1500 });
    const startedMs = Date.now();
    const slow = await d.post({ key: 'slow-1', body: visa, remainingMs: 1200 });
    expect([slow.status, slow.json.code]).toEqual([502, 'processor_unavailable']);
    expect(Date.now() - startedMs).toBeLessThan(1200);
    await new Promise((r) => setTimeout(r, 1000)); // the stalled request runs at Stripe meanwhile
    const retried = await d.post({ key: 'slow-1', body: visa });
    expect(retried.status).toBe(201);
    expect(stripe.paymentIntents()).toHaveLength(1);
    expect(new Set(createRequests().map((r) => r.idempotencyKey)).size).toBe(1);
  });

  it('answers a bad secret key with a 500 that names no secret, and releases the key', async () => {
    const d = await stripeDriver({ stripe: { secretKey: 'sk_test_wrong_key' } });
    const reply = await d.post({ key: 'bad-secret', body: visa });
    expect([reply.status, reply.json.code]).toEqual([500, 'processor_misconfigured']);
    expect(reply.text).not.toMatch(/sk_test|wrong_key/);
    expect(recordOf(await d.contents(), 'tenant-a', 'bad-secret')!.leaseUntilEpochMs).toBeLessThanOrEqual(Date.now());
    expect(stripe.paymentIntents()).toEqual([]);
  });

  it("answers Stripe's idempotency_error (our key reused with other parameters) with a logged 500, and releases the key", async () => {
    let call = 0;
    const d = await stripeDriver({
      stripe: { maxNetworkRetries: 0 },
      // The first attempt's answer is lost; the second sends other parameters under the same key,
      // as a deploy that changed what we send to Stripe mid-flight would.
      wrap: (inner) => ({ ...inner, idempotencyWindowMs: inner.idempotencyWindowMs, acceptsPaymentMethodIds: true, charge: (r) => inner.charge({ ...r, amount: r.amount + call++ }) }),
    });
    // stripe-node retries a closed connection once even with retries off: both attempts lose it.
    stripe.fault({ kind: FaultKind.ResetAfterCreate, path: '/v1/payment_intents', times: 2 });
    expect((await d.post({ key: 'reused', body: visa })).status).toBe(502);
    const reply = await d.post({ key: 'reused', body: visa });
    expect([reply.status, reply.json.code]).toEqual([500, 'processor_idempotency_error']);
    expect(stripe.paymentIntents()).toHaveLength(1);
  });
});

describe("Stripe's 24 hour idempotency window", () => {
  it('a retry (or recovery) past 23 h after the first claim is not sent to Stripe again: a 500, and the record is flagged for attention', async () => {
    let nowMs = Date.now();
    const d = await stripeDriver({ now: () => nowMs, stripe: { maxNetworkRetries: 0 } });
    // The PaymentIntent is made, its answer lost twice (the SDK retries a reset once): a 502, the key released.
    stripe.fault({ kind: FaultKind.ResetAfterCreate, path: '/v1/payment_intents', times: 2 });
    expect((await d.post({ key: 'late-1', body: visa })).status).toBe(502);
    const sent = createRequests().length;

    nowMs += 23 * 3600_000 + 1_000;
    const late = await d.post({ key: 'late-1', body: visa });
    expect([late.status, late.json.code]).toEqual([500, 'processor_window_passed']);
    expect(createRequests()).toHaveLength(sent);
    expect(await d.recover()).toMatchObject({ needsAttention: 1, recovered: 0 });
    expect(createRequests()).toHaveLength(sent);
    expect(stripe.paymentIntents()).toHaveLength(1);
  });

  it('a retry within the window still reaches the PaymentIntent', async () => {
    let nowMs = Date.now();
    const d = await stripeDriver({ now: () => nowMs, stripe: { maxNetworkRetries: 0 } });
    stripe.fault({ kind: FaultKind.ResetAfterCreate, path: '/v1/payment_intents', times: 2 });
    expect((await d.post({ key: 'late-2', body: visa })).status).toBe(502);
    nowMs += 22 * 3600_000;
    const retried = await d.post({ key: 'late-2', body: visa });
    expect(retried.status).toBe(201);
    expect(stripe.paymentIntents()).toHaveLength(1);
  });
});

describe('exactly one PaymentIntent per key', () => {
  it('50 concurrent identical requests: one PaymentIntent, one Stripe Idempotency-Key, one answer replayed to all', async () => {
    const d = await stripeDriver();
    const replies = await Promise.all(Array.from({ length: 50 }, () => d.post({ key: 'burst-1', body: visa })));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s !== 201 && s !== 409)).toEqual([]);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(stripe.paymentIntents()).toHaveLength(1);
    expect(new Set(createRequests().map((r) => r.idempotencyKey)).size).toBe(1);
    const settled = await d.post({ key: 'burst-1', body: visa });
    expect(settled.json.payment_intent).toBe(stripe.paymentIntents()[0]!.id);
  });

  it('a takeover while the first holder is still waiting on Stripe reaches the same PaymentIntent, and the zombie cannot complete', async () => {
    let nowMs = Date.now();
    const d = await stripeDriver({ now: () => nowMs, config: { leaseMarginMs: 0 }, stripe: { maxNetworkRetries: 3 } });
    stripe.fault({ kind: FaultKind.Stall, path: '/v1/payment_intents', ms: 700 });
    const zombie = d.post({ key: 'takeover-1', body: visa, remainingMs: 5_000 });
    await new Promise((r) => setTimeout(r, 100));
    nowMs += 6_000; // the first holder's lease lapsed (a frozen or timed-out invocation)
    const taker = await d.post({ key: 'takeover-1', body: visa, remainingMs: 5_000 });
    const first = await zombie;
    expect(taker.status).toBe(201);
    expect(first.status === 201 ? first.json.payment_intent : first.status).toBe(first.status === 201 ? taker.json.payment_intent : first.status);
    expect(stripe.paymentIntents()).toHaveLength(1);
    expect(new Set(createRequests().map((r) => r.idempotencyKey)).size).toBe(1);
    expect(recordOf(await d.contents(), 'tenant-a', 'takeover-1')!.claimCount).toBe(2);
  });

  it.each(['the client retry', 'recovery alone'])('a holder that died between the PaymentIntent and completion is finished by %s with that same PaymentIntent', async (by) => {
    let nowMs = Date.now();
    const died = deferred<never>();
    let attempts = 0;
    const d = await stripeDriver({
      now: () => nowMs,
      config: { leaseMarginMs: 0 },
      // The first invocation gets Stripe's answer and then never runs again (killed, frozen).
      wrap: (inner) => ({
        idempotencyWindowMs: inner.idempotencyWindowMs,
        acceptsPaymentMethodIds: true,
        charge: async (request) => {
          const charge = await inner.charge(request);
          return attempts++ === 0 ? died.promise : charge;
        },
      }),
    });
    void d.post({ key: 'died-1', body: visa, remainingMs: 5_000 });
    await waitFor(() => stripe.paymentIntents().length === 1);
    nowMs += 6_000;
    if (by === 'recovery alone') {
      expect(await d.recover()).toMatchObject({ recovered: 1 });
      const replay = await d.post({ key: 'died-1', body: visa });
      expect([replay.status, replay.headers['idempotent-replayed']]).toEqual([201, 'true']);
      expect(replay.json.payment_intent).toBe(stripe.paymentIntents()[0]!.id);
    } else {
      const retried = await d.post({ key: 'died-1', body: visa });
      expect(retried.status).toBe(201);
      expect(retried.json.payment_intent).toBe(stripe.paymentIntents()[0]!.id);
    }
    expect(stripe.paymentIntents()).toHaveLength(1);
    expect(createRequests().map((r) => r.replayed)).toEqual([false, true]);
    expect(new Set(createRequests().map((r) => r.idempotencyKey)).size).toBe(1);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
