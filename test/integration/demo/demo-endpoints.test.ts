import type { AddressInfo } from 'node:net';
import { request, type Server } from 'node:http';
import { createPaymentsApp } from '../../../lambda/payments/app';
import { configFromEnv } from '../../../lambda/payments/config';
import { createLocalDemo } from '../../../local/demo';
import { createLocalServer } from '../../../local/server';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { readTable } from '../../helpers/table-contents';
import { bearerFor, TestKeyring } from '../../helpers/test-keys';

// The demo's endpoints and fault switches, in process: they act on demo orders only, and local
// mode without the demo answers /demo as before.
const PAYMENT = { amount: 1000, currency: 'usd', source: 'tok_visa' };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

const pay = (url: string, key: string, body: unknown = PAYMENT) => post(url, '/payments', body, { Authorization: bearerFor('local-dev'), 'Idempotency-Key': key });

describe('the demo endpoints of local mode', () => {
  let table: TestTable;
  let keys: TestKeyring;
  let server: Server;
  let url: string;
  let demo: ReturnType<typeof createLocalDemo>;

  beforeAll(async () => {
    table = await createTestTable('demo');
    const config = configFromEnv({ TABLE_NAME: table.tableName });
    keys = new TestKeyring(table.endpoint, table.tableName);
    await keys.authorization('local-dev');
    demo = createLocalDemo({ functionTimeoutSeconds: 10 });
    const processor = demo.processor(config, table.client);
    const app = createPaymentsApp({ client: table.client, config, ...(processor ? { processor } : {}) });
    demo.attach({ client: table.client, tableName: table.tableName, simulated: true, keys: keys.store });
    server = createLocalServer({ handler: app.handler, keys: keys.store, demo });
    url = await listen(server);
  });
  afterAll(async () => {
    await close(server);
    keys.close();
    await table.drop();
  });

  test('serves the page, its script (the client bundled for the browser) and its style', async () => {
    const page = await fetch(`${url}/demo`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script src="/demo/app.js" defer></script>');
    const script = await fetch(`${url}/demo/app.js`);
    expect(script.status).toBe(200);
    const code = await script.text();
    expect(code).toContain('Idempotency-Key');
    expect(code).not.toMatch(/require\(|node:/);
    expect((await fetch(`${url}/demo/app.css`)).status).toBe(200);
  });

  test('a payment that is no demo order\'s passes untouched while an order has both switches armed', async () => {
    const order = (await (await post(url, '/demo/orders', {})).json()) as { order: { id: string; idempotencyKey: string } };
    for (const fault of ['lose-answer', 'crash']) expect((await post(url, `/demo/orders/${order.order.id}/faults`, { fault })).status).toBe(200);

    const other = await pay(url, 'not-a-demo-order');
    expect(other.status).toBe(201);
    expect((await other.json()) as { status: string }).toMatchObject({ status: 'succeeded' });
    const view = (await (await fetch(`${url}/demo/orders/${order.order.id}`)).json()) as { requests: number; armed: string[]; events: unknown[] };
    expect(view).toMatchObject({ requests: 0, armed: ['lose-answer', 'crash'] });
    expect((await readTable(table.client, table.tableName)).charges).toHaveLength(1);
  });

  test("a demo order's armed lost answer cuts one answer: the payment is made, the retry gets it as a replay", async () => {
    const { order } = (await (await post(url, '/demo/orders', {})).json()) as { order: { id: string; idempotencyKey: string } };
    expect((await post(url, `/demo/orders/${order.id}/faults`, { fault: 'lose-answer' })).status).toBe(200);
    const body = { ...PAYMENT, metadata: { order_id: order.id } };

    const cut = await pay(url, order.idempotencyKey, body);
    expect(cut.status).toBe(201);
    await expect(cut.text()).rejects.toThrow();
    const retry = await pay(url, order.idempotencyKey, body);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');

    const view = (await (await fetch(`${url}/demo/orders/${order.id}`)).json()) as { charges: number; requests: number; armed: string[] };
    expect(view).toMatchObject({ charges: 1, requests: 2, armed: [] });
  });

  test('refuses what is not JSON, an unknown fault and an unknown order, as problem documents', async () => {
    const text = await fetch(`${url}/demo/orders`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(415);
    const { order } = (await (await post(url, '/demo/orders', {})).json()) as { order: { id: string } };
    const unknownFault = await post(url, `/demo/orders/${order.id}/faults`, { fault: 'meteor' });
    expect(unknownFault.status).toBe(400);
    const unknownOrder = await fetch(`${url}/demo/orders/ord_000000000000`);
    expect(unknownOrder.status).toBe(404);
    expect(unknownOrder.headers.get('content-type')).toBe('application/problem+json');
    expect((await fetch(`${url}/demo/orders`)).status).toBe(405);
  });

  test("the page's secret key: its own tenant's, made once per run, given only to a loopback or IP host, revoked when local mode stops", async () => {
    const answer = await fetch(`${url}/demo/secret-key`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const key = (await answer.json()) as { tenant: string; keyId: string; secretKey: string };
    expect(key).toMatchObject({ tenant: 'local-demo', keyId: expect.stringMatching(/^key_/), secretKey: expect.stringMatching(/^sk_test_/) });
    expect(((await (await fetch(`${url}/demo/secret-key`)).json()) as { keyId: string }).keyId).toBe(key.keyId);

    // It pays as local-demo: another tenant's payment is not its to read, nor its own another's.
    const own = await post(url, '/payments', PAYMENT, { Authorization: `Bearer ${key.secretKey}`, 'Idempotency-Key': 'demo-key-1' });
    expect(own.status).toBe(201);
    const { id } = (await own.json()) as { id: string };
    expect((await fetch(`${url}/payments/${id}`, { headers: { Authorization: bearerFor('local-dev') } })).status).toBe(404);
    expect((await fetch(`${url}/payments/${id}`, { headers: { Authorization: `Bearer ${key.secretKey}` } })).status).toBe(200);

    // A DNS name could be another site rebound to 127.0.0.1: no key for it.
    const rebound = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(url);
      request({ host: '127.0.0.1', port, path: '/demo/secret-key', headers: { Host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject).end();
    });
    expect(rebound).toBe(404);
    expect((await fetch(`${url}/demo/secret-key`, { method: 'POST' })).status).toBe(405);

    await demo.stop();
    const after = await fetch(`${url}/payments/${id}`, { headers: { Authorization: `Bearer ${key.secretKey}` } });
    expect([after.status, after.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    const [stored] = (await keys.store.list('local-demo')).filter((k) => k.keyId === key.keyId);
    expect(stored?.revokedAtEpochMs).toEqual(expect.any(Number));
  });

  test('without the demo, /demo is the gateway\'s 404, as before', async () => {
    const plain = createLocalServer({ handler: async () => ({ statusCode: 200, body: '' }), keys: keys.store });
    const plainUrl = await listen(plain);
    try {
      const response = await fetch(`${plainUrl}/demo`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { detail: string }).detail).toBe(
        'No route for GET /demo. The API serves POST /payments, GET /payments, GET /payments/{id} and POST /webhooks/stripe.',
      );
    } finally {
      await close(plain);
    }
  });
});
