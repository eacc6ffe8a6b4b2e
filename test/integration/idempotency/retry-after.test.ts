import middy from '@middy/core';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { errorToResponse } from '../../../lambda/http/problem';
import type { HttpRequest, HttpResponse } from '../../../lambda/http/types';
import { DynamoDbIdempotencyStore } from '../../../lambda/idempotency/dynamodb-store';
import { ExecutionDurations } from '../../../lambda/idempotency/execution-durations';
import { idempotency } from '../../../lambda/idempotency/middleware';
import { createTestTable, type TestTable } from '../../helpers/dynamo';

const context = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs }) as Context;
const event = (key: string): HttpRequest => ({ method: 'POST', path: '/x', headers: { 'idempotency-key': key }, pathParameters: {}, body: '{}', tenant: 't' });

describe('Retry-After on a 409 is when the first request is likely done, not the whole lease', () => {
  let table: TestTable;
  let clock: number;
  let release: () => void;
  let handler: (e: HttpRequest, c: Context) => Promise<HttpResponse>;

  beforeEach(async () => {
    table = await createTestTable('retry-after');
    clock = 1_900_000_000_000;
    const store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(table.client), tableName: table.tableName, ttlSeconds: 3600 });
    const chain = middy<HttpRequest, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
      .use(idempotency({ store, now: () => clock }))
      .handler(async (e) => {
        if (e.headers['idempotency-key']!.startsWith('slow')) await new Promise<void>((r) => (release = r));
        clock += 200; // every execution takes 200 ms of the test's clock
        return { statusCode: 200, headers: {}, body: 'done' };
      });
    handler = (e, c) => chain(e, c).catch((error: unknown) => errorToResponse(error, () => {}));
  });
  afterEach(() => table.drop());

  const conflictWhileRunning = async (key: string, advanceMs: number) => {
    const first = handler(event(key), context(10_000)); // a 10 s function: an 11 s lease
    await new Promise((r) => setTimeout(r, 100)); // the claim has landed
    clock += advanceMs;
    const duplicate = await handler(event(key), context(10_000));
    release();
    await first;
    return duplicate;
  };

  test('a double click on a cold container is told 1 s, not the 11 s left on the lease', async () => {
    const duplicate = await conflictWhileRunning('slow-1', 0);
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.headers['Retry-After']).toBe('1');
  });

  test('a duplicate never waits past the lease: a long-running holder is retried when its lease lapses', async () => {
    const estimate = new ExecutionDurations();
    for (let i = 0; i < 10; i++) estimate.record(30_000); // executions here take 30 s
    // 2 s into a 11 s lease: the estimate (28 s) is capped by the lapse (9 s).
    expect(estimate.retryAfterMs(0, 11_000, 2_000)).toBe(9_000);
    // Past the estimate, the floor is 1 s.
    expect(estimate.retryAfterMs(0, 60_000, 40_000)).toBe(1_000);
    // A lease lapsing in 2.2 s: 2 s, never rounded up past the lapse.
    expect(estimate.retryAfterMs(0, 4_200, 2_000)).toBe(2_000);
  });

  test('the estimate follows what executions in this container took', async () => {
    const estimate = new ExecutionDurations();
    expect(estimate.typicalMs()).toBe(1_000);
    for (const ms of [100, 200, 300, 400, 500, 600, 700, 800, 900, 5_000]) estimate.record(ms);
    expect(estimate.typicalMs()).toBe(5_000); // the 90th percentile of ten
    expect(estimate.retryAfterMs(0, 11_000, 1_000)).toBe(4_000);
  });
});
