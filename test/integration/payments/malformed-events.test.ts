import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { createPaymentsHandler } from '../../../lambda/payments/app';
import { configFromEnv } from '../../../lambda/payments/config';
import type { DirectResult } from '../../../lambda/payments/front-door';
import { WWW_AUTHENTICATE_BEARER } from '../../../lambda/auth';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { proxyEvent, validPayment } from '../../helpers/drivers';
import { countRequests } from '../../helpers/request-counter';
import { muteExpectedLogs } from '../../helpers/reliability';
import { readTable } from '../../helpers/table-contents';

// Issue 9, items 1-3: whoever may invoke the function can hand it any JSON. A proxy-shaped
// payload with wrong types or nested too deep is a 400, one without the authorizer's tenant a 401,
// never a 5xx, never a type confusion, and writes nothing.
muteExpectedLogs();

let table: TestTable;
let requests: ReturnType<typeof countRequests>;
let invoke: (payload: unknown) => Promise<{ statusCode: number; body: any; headers: Record<string, unknown> }>;

beforeEach(async () => {
  table = await createTestTable('malformed');
  requests = countRequests(table.client);
  const handler = createPaymentsHandler({ client: table.client, config: configFromEnv({ TABLE_NAME: table.tableName }) });
  invoke = async (payload) => {
    const result = (await handler(payload, { getRemainingTimeInMillis: () => 10_000 } as Context)) as DirectResult | APIGatewayProxyResult;
    const body = typeof result.body === 'string' ? JSON.parse(result.body) : result.body;
    return { statusCode: result.statusCode, body, headers: (result.headers ?? {}) as Record<string, unknown> };
  };
});
afterEach(() => table.drop());

async function expectRefusedUntouched(result: Awaited<ReturnType<typeof invoke>>, status: number, code: string) {
  expect(result).toMatchObject({ statusCode: status, body: { status, code } });
  expect(result.headers['Content-Type']).toBe('application/problem+json');
  expect(JSON.stringify(result.body)).not.toMatch(/at .*\.(ts|js):\d+|TypeError|RangeError/);
  expect(requests.total()).toBe(0);
  expect(await readTable(table.client, table.tableName)).toEqual({ records: [], payments: [], charges: [] });
  requests.reset(); // the scan above went through the same client
}

const validEvent = () => proxyEvent('POST', '/payments', '/payments', {}, { key: 'k-event', body: validPayment, tenant: 'tenant-a' });
const withAuthorizer = (authorizer: unknown) => ({ ...validEvent(), requestContext: { authorizer } });

describe('a proxy-shaped payload with wrong types is a 400 invalid_event', () => {
  test.each<[string, unknown]>([
    ['no path (only httpMethod and a tenant)', { httpMethod: 'GET', requestContext: { authorizer: { tenant: 'x' } } }],
    ['an httpMethod that is not a string', { ...validEvent(), httpMethod: 42 }],
    ['an httpMethod that is not a method', { ...validEvent(), httpMethod: 'PO ST' }],
    ['a body that is a number', { ...validEvent(), body: 123 }],
    ['a body that is an object', { ...validEvent(), body: validPayment }],
    ['headers that are a string', { ...validEvent(), headers: 'content-type: application/json' }],
    ['a header value that is a number', { ...validEvent(), headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 12345 } }],
    ['multiValueHeaders whose values are not lists', { ...validEvent(), multiValueHeaders: { 'Idempotency-Key': 'k-event' } }],
    ['pathParameters that are a list', { ...validEvent(), pathParameters: ['pay_1'] }],
    ['isBase64Encoded that is a string', { ...validEvent(), isBase64Encoded: 'false' }],
    ['a requestContext that is a string', { ...validEvent(), requestContext: 'tenant-a' }],
    ['an authorizer context that is a number', withAuthorizer(7)],
    ['a tenant that is a number', withAuthorizer({ tenant: 12345 })],
    ['a tenant that is an object', withAuthorizer({ tenant: { toString: 'x' } })],
  ])('%s', async (_label, event) => {
    await expectRefusedUntouched(await invoke(event), 400, 'invalid_event');
  });

  test('a real REST proxy event with null headers, path parameters and body still reaches the route', async () => {
    const event = { ...proxyEvent('GET', '/payments/{id}', '/payments/pay_1', { id: 'pay_1' }, {}), headers: null, multiValueHeaders: null };
    expect((await invoke(event)).statusCode).toBe(404);
    const post = { ...proxyEvent('POST', '/payments', '/payments', {}, { key: 'k-null' }), headers: { 'Idempotency-Key': 'k-null', 'Content-Type': 'application/json' }, multiValueHeaders: null, pathParameters: null };
    expect(await invoke(post)).toMatchObject({ statusCode: 400, body: { code: 'invalid_request' } });
  });

  test.each<[string, unknown]>([
    ['no requestContext', { ...validEvent(), requestContext: undefined }],
    ['an empty requestContext', { ...validEvent(), requestContext: {} }],
    ['no authorizer context', withAuthorizer(null)],
    ['an authorizer context without a tenant', withAuthorizer({ principalId: 'tenant-a', keyId: 'key_0123456789abcdef' })],
    ['a null tenant', withAuthorizer({ tenant: null })],
    ['an empty tenant', withAuthorizer({ tenant: '' })],
    ['a tenant that is no tenant id', withAuthorizer({ tenant: 'Tenant A' })],
    ["the webhook events' own tenant", withAuthorizer({ tenant: 'stripe:webhook-events' })],
    ['a tenant id too long', withAuthorizer({ tenant: 'a'.repeat(65) })],
    // v1's tenant: the API Gateway API key. It is a usage-plan key now, and names no one.
    ['an API key id alone', { ...validEvent(), requestContext: { identity: { apiKeyId: 'tenant-a' } } }],
  ])("a proxy event without the authorizer's tenant (%s) is a 401 with WWW-Authenticate: Bearer, and nothing runs", async (_label, event) => {
    const result = await invoke(event);
    expect(result.headers['WWW-Authenticate']).toBe(WWW_AUTHENTICATE_BEARER);
    await expectRefusedUntouched(result, 401, 'unauthorized');
  });

  test("the authorizer's tenant is the tenant, whatever else the event says", async () => {
    const event = { ...validEvent(), requestContext: { authorizer: { tenant: 'tenant-a' }, identity: { apiKeyId: 'tenant-b' } } };
    expect((await invoke(event)).statusCode).toBe(201);
    const { records } = await readTable(table.client, table.tableName);
    expect(records.map((record) => record.tenant)).toEqual(['tenant-a']);
  });
});

describe('a payload nested too deep is a 400, not a stack overflow', () => {
  const deep = (depth: number): unknown => {
    let value: unknown = 'x';
    for (let i = 0; i < depth; i++) value = { a: value };
    return value;
  };

  test('a 20,000-deep payment over direct invocation', async () => {
    const result = await invoke({ operation: 'createPayment', idempotencyKey: 'k-deep', tenant: 'acme', payment: deep(20_000) });
    await expectRefusedUntouched(result, 400, 'invalid_payload');
    expect(result.body.detail).toMatch(/nested/);
  });

  test('a 20,000-deep proxy-shaped payload', async () => {
    await expectRefusedUntouched(await invoke({ ...validEvent(), requestContext: { authorizer: { tenant: 'x', more: deep(20_000) } } }), 400, 'invalid_event');
  });

  test('a deeply nested metadata value is a 400 too, and a shallow one still the field error it was', async () => {
    const result = await invoke({ operation: 'createPayment', idempotencyKey: 'k-deep-2', tenant: 'acme', payment: { ...validPayment, metadata: deep(40) } });
    await expectRefusedUntouched(result, 400, result.body.code);
    expect(['invalid_payload', 'invalid_request']).toContain(result.body.code);
    const shallow = await invoke({ operation: 'createPayment', idempotencyKey: 'k-deep-3', tenant: 'acme', payment: { ...validPayment, metadata: { a: { b: 'c' } } } });
    expect(shallow).toMatchObject({ statusCode: 400, body: { code: 'invalid_request', errors: [{ field: 'metadata.a' }] } });
  });
});

describe('tenant is required on direct invocation (SPEC v2)', () => {
  test.each<[string, unknown]>([
    ['createPayment', { operation: 'createPayment', idempotencyKey: 'k-no-tenant', payment: validPayment }],
    ['getPayment', { operation: 'getPayment', id: 'pay_00000000000000000000000000000000' }],
  ])('%s without tenant is a 400 naming the field', async (_label, payload) => {
    const result = await invoke(payload);
    await expectRefusedUntouched(result, 400, 'invalid_payload');
    expect(result.body.errors).toEqual([expect.objectContaining({ field: 'tenant' })]);
  });

  test('with a tenant it runs', async () => {
    expect((await invoke({ operation: 'createPayment', idempotencyKey: 'k-tenant', tenant: 'acme', payment: validPayment })).statusCode).toBe(201);
  });
});
