import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { freePort, localDynamoDbClient } from '../../../local/dynamodb-local';
import { paymentIdFor } from '../../../lambda/payments/payment-store';
import { killAllLocalModes, postPayment, ROOT, startLocalMode, waitFor } from '../../helpers/local-mode-process';
import { FaultKind, startStripeServer, stripeClientFor, type StripeServer } from '../../helpers/stripe-server';
import { readTable } from '../../helpers/table-contents';
import { recordOf } from '../../helpers/ledger';
import { bearerFor, testSecretKey } from '../../helpers/test-keys';
import { stripeIdempotencyKey } from '../../../lambda/stripe/processor';

// `npm start` with PAYMENT_PROCESSOR=stripe, as real processes: local mode talks to the Stripe
// test server over HTTP with the real stripe package, and is killed with SIGKILL mid-payment.
const WEBHOOK_SECRET = 'whsec_local_mode_test';
const FUNCTION_TIMEOUT_SECONDS = 4;

describe('local mode charging through Stripe', () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT!;
  let tableName = `local-stripe-${randomUUID()}`;
  const tables: string[] = [tableName];
  let client: DynamoDBClient;
  let stripe: StripeServer;
  const env = (extra: Record<string, string> = {}) => ({
    DYNAMODB_ENDPOINT: endpoint,
    TABLE_NAME: tableName,
    PAYMENT_PROCESSOR: 'stripe',
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE_URL: stripe.url,
    LOCAL_STATE_FILE: join('/tmp', `local-stripe-${randomUUID()}.json`),
    RECOVERY_INTERVAL_SECONDS: '0',
    ...extra,
  });

  beforeAll(async () => {
    client = localDynamoDbClient(endpoint);
    stripe = await startStripeServer();
  });
  afterAll(async () => {
    await killAllLocalModes();
    await stripe.close();
    for (const name of tables) await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    client.destroy();
  });

  test("the README's Stripe examples answer as printed, a webhook refund shows in GET /payments/{id}, and the banner names no secret", async () => {
    const local = startLocalMode({ ...env(), PORT: String(await freePort()) });
    const url = await local.url();
    expect(local.output()).toMatch(/Stripe \(test mode\)/);
    expect(local.output()).not.toContain(stripe.secretKey);
    expect(local.output()).not.toContain(WEBHOOK_SECRET);

    // Each `$ curl` line of the README's Stripe section, then the line it prints (… is anything).
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- stripe-examples[^>]*-->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const lines = block!.trim().split('\n');
    expect(lines.length).toBe(6);
    for (let i = 0; i < lines.length; i += 2) {
      const command = lines[i]!.replace(/^\$ /, '').replaceAll('http://127.0.0.1:3000', url);
      // Not execFileSync: the Stripe test server runs in this process and must keep answering.
      // PAYMENTS_SECRET_KEY as the README tells the reader to set it: local-dev's key (LOCAL_API_KEYS).
      const { stdout: printed } = await promisify(execFile)('bash', ['-c', command], { encoding: 'utf8', env: { ...process.env, PAYMENTS_SECRET_KEY: testSecretKey('local-dev') } });
      const expected = new RegExp(`^${lines[i + 1]!.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      expect(printed).toMatch(expected);
    }
    expect(stripe.paymentIntents().map((pi) => pi.status)).toEqual(['succeeded', 'requires_payment_method']);

    const paymentId = paymentIdFor('local-dev', 'stripe-order-1');
    await stripeClientFor(stripe).refunds.create({ payment_intent: stripe.paymentIntents()[0]!.id });
    const refunded = stripe.events.find((event) => event.type === 'charge.refunded')!;
    const delivery = await stripe.deliver(refunded, `${url}/webhooks/stripe`, { secret: WEBHOOK_SECRET });
    expect(delivery.status).toBe(200);
    const payment = await (await fetch(`${url}/payments/${paymentId}`, { headers: { Authorization: bearerFor('local-dev') } })).json();
    expect(payment).toMatchObject({ status: 'refunded', amount_refunded: 2500 });
    const forged = await stripe.deliver(refunded, `${url}/webhooks/stripe`, { secret: 'whsec_forged' });
    expect(forged.status).toBe(400);

    // The rows of the answer table the examples do not show, over HTTP.
    const declined = await postPayment(url, 'stripe-order-4', { amount: 2500, currency: 'usd', source: 'tok_chargeDeclined' });
    expect([declined.status, ((await declined.json()) as { code: string }).code]).toEqual([402, 'card_declined']);
    stripe.fault({ kind: FaultKind.ServerError, path: '/v1/payment_intents', times: 3 });
    const unavailable = await postPayment(url, 'stripe-order-5', { amount: 2500, currency: 'usd', source: 'tok_visa' });
    expect([unavailable.status, unavailable.headers.get('retry-after'), unavailable.headers.get('idempotency-key')]).toEqual([502, '1', 'stripe-order-5']);
    expect((await postPayment(url, 'stripe-order-5', { amount: 2500, currency: 'usd', source: 'tok_visa' })).status).toBe(201);
    await local.kill9();

    // A secret key Stripe does not know: a 500 naming no secret, and nothing charged.
    const before = stripe.paymentIntents().length;
    const misconfigured = startLocalMode({ ...env({ STRIPE_SECRET_KEY: 'sk_test_revoked_key' }), PORT: String(await freePort()) });
    const refused = await postPayment(await misconfigured.url(), 'stripe-order-6', { amount: 2500, currency: 'usd', source: 'tok_visa' });
    const text = await refused.text();
    expect([refused.status, JSON.parse(text).code]).toEqual([500, 'processor_misconfigured']);
    expect(text).not.toMatch(/sk_test/);
    expect(misconfigured.output()).not.toContain('sk_test_revoked_key');
    expect(stripe.paymentIntents()).toHaveLength(before);
    await misconfigured.kill9();
  });

  test.each(['the client retry', 'recovery alone'])(
    'local mode killed (-9) while Stripe creates the PaymentIntent: %s finishes the payment with that PaymentIntent, never a second',
    async (by) => {
      stripe.reset();
      tableName = `local-stripe-${randomUUID()}`;
      tables.push(tableName);
      const key = `crash-${by.replace(/\W/g, '-')}`;
      const short = { FUNCTION_TIMEOUT_SECONDS: String(FUNCTION_TIMEOUT_SECONDS) };
      const first = startLocalMode({ ...env(short), PORT: String(await freePort()) });
      const firstUrl = await first.url();
      // Stripe takes the request, then answers (and creates the PaymentIntent) only after 2.5 s.
      stripe.fault({ kind: FaultKind.Stall, path: '/v1/payment_intents', ms: 2_500 });
      const lost = postPayment(firstUrl, key, { amount: 4200, currency: 'usd', source: 'tok_visa' }).then(
        (response) => `answered ${response.status}`,
        () => 'connection lost',
      );
      await waitFor('the PaymentIntent request at Stripe', async () => stripe.requests.some((r) => r.path === '/v1/payment_intents'), 10_000);
      await first.kill9();
      expect(await lost).toBe('connection lost');
      await waitFor('the PaymentIntent Stripe made after the crash', async () => stripe.paymentIntents().length === 1, 10_000);
      const crashed = recordOf(await readTable(client, tableName), 'local-dev', key)!;
      expect(crashed.status).toBe('IN_PROGRESS');

      const second = startLocalMode({ ...env({ ...short, ...(by === 'recovery alone' ? { RECOVERY_INTERVAL_SECONDS: '1' } : {}) }), PORT: String(await freePort()) });
      const secondUrl = await second.url();
      if (by === 'recovery alone') {
        await waitFor('recovery to finish the payment', async () => recordOf(await readTable(client, tableName), 'local-dev', key)?.status === 'COMPLETED', 20_000);
      } else {
        // The lease of the killed invocation lapses with its function timeout.
        await new Promise((r) => setTimeout(r, (FUNCTION_TIMEOUT_SECONDS + 1) * 1000));
      }
      const answer = await postPayment(secondUrl, key, { amount: 4200, currency: 'usd', source: 'tok_visa' });
      const body = (await answer.json()) as { payment_intent?: string };
      expect(answer.status).toBe(201);
      expect(answer.headers.get('idempotent-replayed')).toBe(by === 'recovery alone' ? 'true' : null);
      expect(body.payment_intent).toBe(stripe.paymentIntents()[0]!.id);
      expect(stripe.paymentIntents()).toHaveLength(1);
      const keys = stripe.requests.filter((r) => r.path === '/v1/payment_intents').map((r) => r.idempotencyKey);
      expect(new Set(keys)).toEqual(new Set([stripeIdempotencyKey(crashed.executionId)]));
      await second.kill9();
    },
    60_000,
  );
});
