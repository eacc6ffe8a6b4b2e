import { runKeys } from '../../../ops/keys';
import { type LocalResponse, type LocalServer, startLocalServer } from '../../helpers/local-server';
import { readTable } from '../../helpers/table-contents';
import { testSecretKey } from '../../helpers/test-keys';

// Acceptance 1 and 2 of the authentication issue, over HTTP against local mode's server with the
// real payments function and the simulated processor: what the gateway refuses runs nothing, a
// key acts for its own tenant only, and a rotation works with `npm run keys` against the table.

const PAYMENT = { amount: 1000, currency: 'usd', source: 'tok_visa' };
const JSON_TYPE = { 'Content-Type': 'application/json' };

let server: LocalServer;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  server = await startLocalServer({ label: 'auth-http' });
  const { DYNAMODB_ENDPOINT: _e, TABLE_NAME: _t, ...inherited } = process.env;
  env = { ...inherited, DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT, TABLE_NAME: server.tableName };
});
afterAll(() => server.close());

/** `npm run keys -- <args>` against the server's table, as an operator runs it against local mode's; stdout's lines. */
async function keys(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runKeys(args, env, { out: (text) => out.push(...text.split('\n')), err: (text) => err.push(text) });
  if (code !== 0) throw new Error(`npm run keys -- ${args[0]} failed: ${err.join('\n')}`);
  return out;
}

/** A new key of the tenant, as `npm run keys -- create` prints it: its secret and its id. */
async function createKey(tenant: string): Promise<{ secret: string; keyId: string }> {
  const lines = await keys('create', tenant);
  return { secret: lines.at(-1)!, keyId: /Created (key_\w+)/.exec(lines[0]!)![1]! };
}

/** POST /payments with exactly these headers besides the body's (no test key is added). */
const post = (idempotencyKey: string, headers: Record<string, string>) =>
  server.request('POST', '/payments', { tenant: null, idempotencyKey, headers: { ...JSON_TYPE, ...headers }, body: PAYMENT });

const get = (path: string, headers: Record<string, string>) => server.request('GET', path, { tenant: null, headers });

function expectUnauthorized(response: LocalResponse): void {
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer');
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.json).toMatchObject({ type: 'urn:idempotent-payments:problem:unauthorized', status: 401, code: 'unauthorized' });
}

/** What the function or the processor wrote for this key of any tenant: nothing, for a refused request. */
async function writtenFor(idempotencyKey: string) {
  const { records, charges } = await readTable(server.client, server.tableName);
  return {
    records: records.filter((record) => record.idempotencyKey === idempotencyKey).length,
    charges: charges.filter((charge) => JSON.stringify(charge).includes(idempotencyKey)).length,
  };
}

describe('local mode refuses what the authorizer refuses, and nothing runs', () => {
  let valid: { secret: string; keyId: string };
  let revoked: { secret: string; keyId: string };

  beforeAll(async () => {
    valid = await createKey('auth-acme');
    revoked = await createKey('auth-acme');
    await keys('revoke', revoked.keyId);
  });

  test('the valid key is accepted (so the refusals below are the headers, not the server)', async () => {
    const response = await post('auth-ok', { Authorization: `Bearer ${valid.secret}` });
    expect(response.status).toBe(201);
    expect(await writtenFor('auth-ok')).toEqual({ records: 1, charges: 1 });
  });

  test.each<[string, () => Record<string, string>]>([
    ['no credential at all', () => ({})],
    ['the scheme without a key', () => ({ Authorization: 'Bearer' })],
    ['another scheme', () => ({ Authorization: `Basic ${Buffer.from(`auth-acme:${valid.secret}`).toString('base64')}` })],
    ['the key without its scheme', () => ({ Authorization: valid.secret })],
    ['a truncated key', () => ({ Authorization: `Bearer ${valid.secret.slice(0, -1)}` })],
    ['the key followed by another word', () => ({ Authorization: `Bearer ${valid.secret} x` })],
    ['a publishable-looking key', () => ({ Authorization: `Bearer ${valid.secret.replace(/^sk_/, 'pk_')}` })],
    ['a well-formed key no one made', () => ({ Authorization: `Bearer ${testSecretKey('auth-nobody')}` })],
    ['a known key id with a wrong secret', () => ({ Authorization: `Bearer ${valid.secret.slice(0, -4)}${valid.secret.endsWith('AAAA') ? 'BBBB' : 'AAAA'}` })],
    ['a revoked key', () => ({ Authorization: `Bearer ${revoked.secret}` })],
    ['the test key under the live prefix', () => ({ Authorization: `Bearer ${valid.secret.replace(/^sk_test_/, 'sk_live_')}` })],
    ['an x-api-key naming the tenant, alone', () => ({ 'x-api-key': 'auth-acme' })],
    ['an x-api-key holding the valid secret, alone', () => ({ 'x-api-key': valid.secret })],
  ])('%s: 401, no record, no charge', async (name, headers) => {
    const idempotencyKey = `auth-refused-${name.replace(/\W+/g, '-')}`;
    expectUnauthorized(await post(idempotencyKey, headers()));
    expectUnauthorized(await get('/payments', headers()));
    expect(await writtenFor(idempotencyKey)).toEqual({ records: 0, charges: 0 });
  });
});

describe('a key acts for its own tenant only', () => {
  test("tenant B cannot read tenant A's payment, list it, or replay it with the same Idempotency-Key", async () => {
    const a = { Authorization: `Bearer ${(await createKey('auth-tenant-a')).secret}` };
    const b = { Authorization: `Bearer ${(await createKey('auth-tenant-b')).secret}` };

    const paidByA = await post('auth-shared-key', a);
    expect(paidByA.status).toBe(201);
    const paymentOfA = paidByA.json.id as string;

    expect((await get(`/payments/${paymentOfA}`, a)).status).toBe(200);
    const readByB = await get(`/payments/${paymentOfA}`, b);
    expect([readByB.status, readByB.json.code]).toEqual([404, 'not_found']);
    expect((await get('/payments', b)).json.data).toEqual([]);

    // The same key from B is B's own operation: a new payment, not A's stored answer.
    const paidByB = await post('auth-shared-key', b);
    expect(paidByB.status).toBe(201);
    expect(paidByB.headers.get('idempotent-replayed')).toBeNull();
    expect(paidByB.json.id).not.toBe(paymentOfA);
    expect((await get('/payments', a)).json.data.map((p: { id: string }) => p.id)).toEqual([paymentOfA]);
  });
});

describe('rotation', () => {
  test('two keys of one tenant work at once; after `revoke` one is refused on the next request, the other works on', async () => {
    const old = await createKey('auth-rotating');
    const next = await createKey('auth-rotating');
    const withOld = { Authorization: `Bearer ${old.secret}` };
    const withNext = { Authorization: `Bearer ${next.secret}` };

    const [first, second] = await Promise.all([post('rotate-1', withOld), post('rotate-2', withNext)]);
    expect([first.status, second.status]).toEqual([201, 201]);
    // Both act for the one tenant: either key reads what the other made.
    expect((await get(`/payments/${first.json.id}`, withNext)).status).toBe(200);
    expect((await get(`/payments/${second.json.id}`, withOld)).status).toBe(200);

    expect((await keys('revoke', old.keyId)).join('\n')).toMatch(/^Revoked key_\w+ \(tenant auth-rotating, .*Local mode refuses it from its next request\.$/);

    expectUnauthorized(await get(`/payments/${first.json.id}`, withOld));
    expectUnauthorized(await post('rotate-3', withOld));
    expect(await writtenFor('rotate-3')).toEqual({ records: 0, charges: 0 });
    expect((await get(`/payments/${first.json.id}`, withNext)).status).toBe(200);
    expect((await post('rotate-4', withNext)).status).toBe(201);
    expect(server.logs.join('\n')).toContain(`unauthorized: revoked (${old.keyId})`);
  });
});
