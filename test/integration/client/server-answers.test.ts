import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IdempotencyKeyReusedError, InvalidRequestError, PaymentsClient, type RetryEvent } from '../../../client';
import { createPaymentsHandler } from '../../../lambda/payments/app';
import { SimulatedProcessor } from '../../../lambda/payments/simulated-processor';
import type { LambdaHandler } from '../../../local/lambda-runtime';
import { type LocalServer, startLocalServer } from '../../helpers/local-server';
import { expectExactlyOnePayment } from '../../helpers/one-payment';
import { readTable } from '../../helpers/table-contents';

const visa = { amount: 1000, currency: 'usd', source: 'tok_visa' } as const;

let server: LocalServer;
let retries: RetryEvent[];

/** A client holding the tenant's test key (stored in the server's table first). */
async function clientFor(tenant: string, maxAttempts = 20): Promise<PaymentsClient> {
  const secretKey = await server.keys.secretKey(tenant);
  retries = [];
  return new PaymentsClient({
    baseUrl: server.url,
    secretKey,
    timeoutMs: 5_000,
    retry: { maxAttempts, baseDelayMs: 20, maxDelayMs: 200, maxRetryAfterMs: 200 },
    onRetry: (event) => retries.push(event),
  });
}

afterEach(async () => {
  jest.restoreAllMocks();
  await server?.close();
});

describe('the retrying client and the server’s answers', () => {
  test('a double click (two calls with the order’s key at once): one payment; the second call gets 409s, then the replay', async () => {
    server = await startLocalServer({ label: 'client-answers', config: { processor: { latencyMs: 400 } } });
    const client = await clientFor('tenant-a');

    const [a, b] = await Promise.all([
      client.createPayment(visa, { idempotencyKey: 'order-1001' }),
      client.createPayment(visa, { idempotencyKey: 'order-1001' }),
    ]);

    expect(a.payment).toEqual(b.payment);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
    expect(retries.map((r) => r.reason)).toContain(409);
    await expectExactlyOnePayment({ server, client, tenant: 'tenant-a', paymentId: a.payment.id, idempotencyKey: 'order-1001', returned: a.payment });
  });

  test('the processor fails after charging, then before: the retries take the released key over and the same charge is found', async () => {
    // The simulated processor with scripted rolls (failure rate 0.5): lost answer, failure, success.
    const rolls = [0.3, 0.1, 0.9];
    let handler: LambdaHandler | undefined;
    server = await startLocalServer({ label: 'client-answers', handler: (event, context) => handler!(event, context) });
    const documentClient = DynamoDBDocumentClient.from(server.client);
    const processor = new SimulatedProcessor({ documentClient, tableName: server.tableName, latencyMs: 0, failureRate: 0.5, random: () => rolls.shift() ?? 0.9 });
    handler = createPaymentsHandler({ client: server.client, config: server.config, processor });
    const client = await clientFor('tenant-a');
    const serverLog = jest.spyOn(console, 'error').mockImplementation(() => {});

    const result = await client.createPayment(visa);

    expect(serverLog).toHaveBeenCalledTimes(2); // the function logs each 502 it answers
    serverLog.mockRestore();
    expect(retries.map((r) => r.reason)).toEqual([502, 502]);
    expect(result).toMatchObject({ replayed: false, attempts: 3 });
    await expectExactlyOnePayment({ server, client, tenant: 'tenant-a', paymentId: result.payment.id, idempotencyKey: result.idempotencyKey, returned: result.payment });
    const [record] = (await readTable(server.client, server.tableName)).records;
    expect(record).toMatchObject({ claimCount: 3 }); // three executions, one execution id, one charge
  });

  test('the same key with a different body is a 422, thrown at once; the first payment stands', async () => {
    server = await startLocalServer({ label: 'client-answers' });
    const client = await clientFor('tenant-a');
    const first = await client.createPayment(visa, { idempotencyKey: 'order-1002' });

    const error = await client.createPayment({ ...visa, amount: 999 }, { idempotencyKey: 'order-1002' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(error).toMatchObject({ status: 422, attempts: 1, idempotencyKey: 'order-1002', retryable: false });
    await expectExactlyOnePayment({ server, client, tenant: 'tenant-a', paymentId: first.payment.id, idempotencyKey: 'order-1002', returned: first.payment });
  });

  test('an invalid body is a 400, thrown at once, and nothing is stored for the key', async () => {
    server = await startLocalServer({ label: 'client-answers' });
    const client = await clientFor('tenant-a');

    const error = await client.createPayment({ ...visa, currency: 'USD' }, { idempotencyKey: 'order-1003' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', attempts: 1, idempotencyKey: 'order-1003' });
    expect((error as InvalidRequestError).problem.errors).toEqual([{ field: 'currency', message: expect.any(String) }]);
    expect(await readTable(server.client, server.tableName)).toEqual({ records: [], payments: [], charges: [] });
  });

  test('the same key from two tenants\' secret keys is two payments: keys are scoped per tenant', async () => {
    server = await startLocalServer({ label: 'client-answers' });
    const [tenantA, tenantB] = [await clientFor('tenant-a'), await clientFor('tenant-b')];
    const [a, b] = await Promise.all([
      tenantA.createPayment(visa, { idempotencyKey: 'order-1' }),
      tenantB.createPayment(visa, { idempotencyKey: 'order-1' }),
    ]);

    expect(a.payment.id).not.toBe(b.payment.id);
    expect([a.replayed, b.replayed]).toEqual([false, false]);
    const table = await readTable(server.client, server.tableName);
    expect(table.charges).toHaveLength(2);
    await expect(tenantB.getPayment(a.payment.id)).rejects.toMatchObject({ code: 'not_found', status: 404 });
  });
});
