import type { Context } from 'aws-lambda';
import { createPaymentsHandler } from '../../../lambda/payments/app';
import { configFromEnv } from '../../../lambda/payments/config';
import type { DirectResult } from '../../../lambda/payments/front-door';
import { createDriver, deferred, validPayment } from '../../helpers/drivers';
import { createTestTable } from '../../helpers/dynamo';
import { countRequests } from '../../helpers/request-counter';

// The SPEC's performance budget, where test/integration/payments/idempotency-key-rules.test.ts does
// not already count it: 409s under a storm, a 422 while in progress, declines, and invalid direct
// invocations. (First execution 3, replay 1 / 0 warm, 422 after completion 1 and invalid HTTP
// requests 0 are counted there.)
describe('request budget', () => {
  test('a storm of duplicates while the first request runs: each 409 costs exactly one DynamoDB request', async () => {
    const gate = deferred();
    const driver = await createDriver('handler', {
      processor: (simulated) => ({ charge: async (request) => (await gate.promise, simulated.charge(request)) }),
    });
    try {
      const first = driver.post({ key: 'k-storm', body: validPayment });
      while ((await driver.contents()).records.length === 0) await new Promise((r) => setTimeout(r, 10));
      driver.requests.reset();

      const storm = await Promise.all(Array.from({ length: 12 }, () => driver.post({ key: 'k-storm', body: validPayment })));

      expect(storm.map((r) => r.status)).toEqual(Array(12).fill(409));
      expect(driver.requests.counts).toEqual({ PutItem: 12 });
      gate.resolve();
      expect((await first).status).toBe(201);
    } finally {
      gate.resolve();
      await driver.close();
    }
  });

  test('a different body while the first request runs is a 422 in one DynamoDB request', async () => {
    const gate = deferred();
    const driver = await createDriver('handler', {
      processor: (simulated) => ({ charge: async (request) => (await gate.promise, simulated.charge(request)) }),
    });
    try {
      const first = driver.post({ key: 'k-busy-422', body: validPayment });
      while ((await driver.contents()).records.length === 0) await new Promise((r) => setTimeout(r, 10));
      driver.requests.reset();
      expect((await driver.post({ key: 'k-busy-422', body: { ...validPayment, amount: 7 } })).status).toBe(422);
      expect(driver.requests.counts).toEqual({ PutItem: 1 });
      gate.resolve();
      await first;
    } finally {
      gate.resolve();
      await driver.close();
    }
  });

  test('a declined payment costs what a first execution costs (3), and its replay 1, or 0 in a warm container', async () => {
    const driver = await createDriver('handler');
    try {
      const body = { ...validPayment, source: 'tok_chargeDeclined' };
      expect((await driver.post({ key: 'k-decline', body })).status).toBe(402);
      expect(driver.requests.counts).toEqual({ PutItem: 2, UpdateItem: 1 });
      driver.requests.reset();
      expect((await driver.post({ key: 'k-decline', body })).headers['idempotent-replayed']).toBe('true');
      expect(driver.requests.total()).toBe(0);
      driver.restart();
      expect((await driver.post({ key: 'k-decline', body })).headers['idempotent-replayed']).toBe('true');
      expect(driver.requests.counts).toEqual({ PutItem: 1 });
    } finally {
      await driver.close();
    }
  });

  test.each([
    ['a malformed payload', { operation: 'createPayment', idempotencyKey: 42, payment: validPayment }],
    ['no idempotency key', { operation: 'createPayment', payment: validPayment }],
    ['an invalid idempotency key', { operation: 'createPayment', idempotencyKey: 'has space', payment: validPayment }],
    ['no payment', { operation: 'createPayment', idempotencyKey: 'k-direct' }],
    ['an invalid payment', { operation: 'createPayment', idempotencyKey: 'k-direct', payment: { ...validPayment, currency: 'USD' } }],
  ])('a direct invocation with %s is a 400 that costs no DynamoDB request', async (_label, payload) => {
    const table = await createTestTable('budget-direct');
    try {
      const requests = countRequests(table.client);
      const handler = createPaymentsHandler({ client: table.client, config: configFromEnv({ TABLE_NAME: table.tableName }) });
      const result = (await handler(payload, { getRemainingTimeInMillis: () => 10_000 } as Context)) as DirectResult;
      expect(result.statusCode).toBe(400);
      expect(requests.total()).toBe(0);
    } finally {
      await table.drop();
    }
  });
});
