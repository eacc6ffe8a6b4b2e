import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { createPaymentsHandler } from '../../../lambda/payments/app';
import { configFromEnv } from '../../../lambda/payments/config';
import type { DirectResult } from '../../../lambda/payments/front-door';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { proxyEvent, validPayment } from '../../helpers/drivers';

describe('direct invocation (aws lambda invoke payloads)', () => {
  let table: TestTable;
  let invoke: (payload: unknown) => Promise<DirectResult>;
  let handler: ReturnType<typeof createPaymentsHandler>;

  beforeEach(async () => {
    table = await createTestTable('direct');
    handler = createPaymentsHandler({ client: table.client, config: configFromEnv({ TABLE_NAME: table.tableName }) });
    invoke = async (payload) => (await handler(payload, { getRemainingTimeInMillis: () => 10_000 } as Context)) as DirectResult;
  });
  afterEach(() => table.drop());

  test('createPayment answers like the HTTP API, with the body parsed', async () => {
    const result = await invoke({ operation: 'createPayment', idempotencyKey: 'd-1', tenant: 'acme', payment: validPayment });
    expect(result.statusCode).toBe(201);
    expect(result.headers).toMatchObject({ 'Idempotency-Key': 'd-1', Location: expect.stringMatching(/^\/payments\/pay_/) });
    expect(result.body).toMatchObject({ object: 'payment', amount: 1000, status: 'succeeded' });
  });

  test('a repeated createPayment replays; a changed one is a 422; getPayment reads it', async () => {
    const first = await invoke({ operation: 'createPayment', idempotencyKey: 'd-2', tenant: 'acme', payment: validPayment });
    const replay = await invoke({ operation: 'createPayment', idempotencyKey: 'd-2', tenant: 'acme', payment: validPayment });
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['Idempotent-Replayed']).toBe('true');
    const mismatch = await invoke({ operation: 'createPayment', idempotencyKey: 'd-2', tenant: 'acme', payment: { ...validPayment, amount: 1 } });
    expect(mismatch).toMatchObject({ statusCode: 422, body: { code: 'idempotency_key_reused' } });
    const id = (first.body as { id: string }).id;
    expect(await invoke({ operation: 'getPayment', id, tenant: 'acme' })).toMatchObject({ statusCode: 200, body: first.body as object });
    expect(await invoke({ operation: 'getPayment', id, tenant: 'other' })).toMatchObject({ statusCode: 404 });
  });

  test("a direct call for a tenant and an HTTP call with that tenant's secret key are the same operation", async () => {
    const direct = await invoke({ operation: 'createPayment', idempotencyKey: 'd-3', tenant: 'key-id-1', payment: validPayment });
    const http = (await handler(proxyEvent('POST', '/payments', '/payments', {}, { key: 'd-3', body: validPayment, tenant: 'key-id-1' }), {} as Context)) as {
      body: string;
      headers: Record<string, string>;
    };
    expect(JSON.parse(http.body)).toEqual(direct.body);
    expect(http.headers['Idempotent-Replayed']).toBe('true');
  });

  test('a payload without tenant is a 400 naming the field: there is no shared default tenant to act for', async () => {
    const created = await invoke({ operation: 'createPayment', idempotencyKey: 'd-4', payment: validPayment });
    expect(created).toMatchObject({ statusCode: 400, body: { code: 'invalid_payload', errors: [{ field: 'tenant' }] } });
  });

  test.each([
    ['an unknown operation', { operation: 'refund', id: 'pay_1' }, 'invalid_payload'],
    ['no operation', { idempotencyKey: 'x' }, 'invalid_payload'],
    ['not an object', 'createPayment', 'invalid_payload'],
    ['null', null, 'invalid_payload'],
    ['an unknown field', { operation: 'getPayment', id: 'pay_1', extra: true }, 'invalid_payload'],
    ['a missing key', { operation: 'createPayment', tenant: 'acme', payment: validPayment }, 'idempotency_key_missing'],
    ['a key that is not a string', { operation: 'createPayment', idempotencyKey: 42, payment: validPayment }, 'invalid_payload'],
    ['a missing payment', { operation: 'createPayment', tenant: 'acme', idempotencyKey: randomUUID() }, 'invalid_request'],
    ['an invalid payment', { operation: 'createPayment', tenant: 'acme', idempotencyKey: randomUUID(), payment: { amount: -1 } }, 'invalid_request'],
  ])('a payload with %s is a 400-shaped result, not an unhandled error', async (_label, payload, code) => {
    const result = await invoke(payload);
    expect(result.statusCode).toBe(400);
    expect(result.headers['Content-Type']).toBe('application/problem+json');
    expect(result.body).toMatchObject({ status: 400, code });
  });
});
