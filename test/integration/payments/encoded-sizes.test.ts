import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { createPaymentsHandler } from '../../../lambda/payments/app';
import { configFromEnv } from '../../../lambda/payments/config';
import type { DirectResult } from '../../../lambda/payments/front-door';
import { MAX_TENANT_ENCODED_BYTES } from '../../../lambda/payments/schema';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { proxyEvent, validPayment } from '../../helpers/drivers';
import { countRequests } from '../../helpers/request-counter';
import { muteExpectedLogs } from '../../helpers/reliability';
import { readTable } from '../../helpers/table-contents';

// Issue 9, item 4: the partition key is `idem#` + JSON.stringify([tenant, key]), at most 2048
// bytes. A tenant bounded only by characters escapes past that (one "\u0001" is 6 bytes), and
// DynamoDB's ValidationException came back as a retryable 503. Bounded by encoded size, a bad
// tenant is a 4xx at the edge and the worst tenant that passes still fits with the worst key.
muteExpectedLogs();

let table: TestTable;
let requests: ReturnType<typeof countRequests>;
let handler: ReturnType<typeof createPaymentsHandler>;
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;

beforeEach(async () => {
  table = await createTestTable('encoded');
  requests = countRequests(table.client);
  handler = createPaymentsHandler({ client: table.client, config: configFromEnv({ TABLE_NAME: table.tableName }) });
});
afterEach(() => table.drop());

const direct = async (payload: unknown) => (await handler(payload, context)) as DirectResult;
const overProxy = async (tenant: string, key: string) => {
  const result = (await handler(proxyEvent('POST', '/payments', '/payments', {}, { key, body: validPayment, tenant }), context)) as APIGatewayProxyResult;
  return { statusCode: result.statusCode, body: JSON.parse(result.body) };
};
const expectNothingWritten = async () => {
  expect(requests.total()).toBe(0);
  expect(await readTable(table.client, table.tableName)).toEqual({ records: [], payments: [], charges: [] });
};

/** The longest key there is, in encoded bytes: 255 characters that each escape to two. */
const WORST_KEY = '"'.repeat(255);
const encodedBytes = (value: string) => Buffer.byteLength(JSON.stringify(value), 'utf8');
/** The most escape-heavy tenant the bound lets through. */
const worstTenant = '\u0001'.repeat(Math.floor((MAX_TENANT_ENCODED_BYTES - 2) / 6));

test('the bound leaves room: the worst tenant with the worst key and the longest prefix is well under 2048 bytes', () => {
  expect(encodedBytes(WORST_KEY)).toBe(512);
  expect('payment#'.length + 3 + MAX_TENANT_ENCODED_BYTES + encodedBytes(WORST_KEY)).toBeLessThan(1536);
});

test.each<[string, string]>([
  ['256 control characters (6 bytes each once escaped)', '\u0001'.repeat(256)],
  ['one byte over the bound', `${worstTenant}${'a'.repeat(MAX_TENANT_ENCODED_BYTES - encodedBytes(worstTenant) + 1)}`],
  ['a lone surrogate', 'acme\udc00'],
])('a direct tenant of %s is a 400, not a 503', async (_label, tenant) => {
  const result = await direct({ operation: 'createPayment', idempotencyKey: WORST_KEY, tenant, payment: validPayment });
  expect(result).toMatchObject({ statusCode: 400, body: { code: 'invalid_payload', errors: [expect.objectContaining({ field: 'tenant' })] } });
  expect(result.headers['Retry-After']).toBeUndefined();
  await expectNothingWritten();
  expect((await direct({ operation: 'getPayment', id: 'pay_00000000000000000000000000000000', tenant })).statusCode).toBe(400);
});

test.each<[string, string]>([
  ['256 control characters', '\u0001'.repeat(256)],
  ['a lone surrogate', 'key-id\ud800'],
  ['the worst tenant a direct invocation may name', worstTenant],
])("an authorizer's tenant of %s is a 401, not a 503: over HTTP only tenant ids are tenants", async (_label, tenant) => {
  expect(await overProxy(tenant, WORST_KEY)).toMatchObject({ statusCode: 401, body: { code: 'unauthorized' } });
  await expectNothingWritten();
});

test('the worst tenant the bound accepts, with the worst key, is charged, stored and replayed', async () => {
  expect(encodedBytes(worstTenant)).toBeLessThanOrEqual(MAX_TENANT_ENCODED_BYTES);
  const payload = { operation: 'createPayment', idempotencyKey: WORST_KEY, tenant: worstTenant, payment: validPayment };
  const created = await direct(payload);
  expect(created.statusCode).toBe(201);
  expect((await direct(payload)).headers['Idempotent-Replayed']).toBe('true');
  const id = (created.body as { id: string }).id;
  expect((await direct({ operation: 'getPayment', id, tenant: worstTenant })).statusCode).toBe(200);
  // The longest tenant id with the worst key, over HTTP (a tenant id escapes to itself).
  expect((await overProxy('t'.repeat(64), WORST_KEY)).statusCode).toBe(201);
});
