import middy from '@middy/core';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { errorToResponse } from '../../../lambda/http/problem';
import type { HttpRequest, HttpResponse } from '../../../lambda/http/types';
import { DynamoDbIdempotencyStore } from '../../../lambda/idempotency/dynamodb-store';
import { idempotency, type IdempotentContext } from '../../../lambda/idempotency/middleware';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { readTable } from '../../helpers/table-contents';

// SPEC, "handler failed with 5xx / threw": a 5xx is not a result. A handler that *returns* one
// (a gateway-style answer, no exception) goes through the middleware's `after`, not `onError`,
// and must release the key just the same, so a retry with the same key runs again.
describe('a 5xx the handler returns, without throwing', () => {
  let table: TestTable;
  let answers: HttpResponse[];
  let executionIds: string[];
  let invoke: () => Promise<HttpResponse>;

  beforeEach(async () => {
    table = await createTestTable('mw-5xx');
    executionIds = [];
    // A long lease (60 s): a retry can only run at once if the failure released it.
    const store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(table.client), tableName: table.tableName, ttlSeconds: 3600 });
    const handler = middy<HttpRequest, HttpResponse, Error, Context>()
      .use(idempotency({ store, defaultLeaseMs: 60_000 }))
      .handler(async (_event, context) => {
        executionIds.push((context as IdempotentContext).idempotency.executionId);
        return answers.shift()!;
      });
    const event: HttpRequest = { method: 'POST', path: '/exports', headers: { 'idempotency-key': 'k-5xx' }, pathParameters: {}, body: '{"n":1}', tenant: 't' };
    invoke = () => handler(event, {} as Context).catch((error: unknown) => errorToResponse(error, () => {}));
  });
  afterEach(() => table.drop());

  const stored = async () => {
    const { records } = await readTable(table.client, table.tableName);
    expect(records).toHaveLength(1);
    return records[0]!;
  };

  test.each([500, 502, 503])('a returned %i reaches the client as is, is not stored, and releases the key: the retry runs at once with the same execution id', async (status) => {
    // Arrange
    const failure = { statusCode: status, headers: { 'Content-Type': 'text/plain' }, body: 'upstream down' };
    answers = [failure, { statusCode: 200, headers: {}, body: 'done' }];

    // Act: the first attempt answers the 5xx.
    const first = await invoke();

    // Assert: the client gets the handler's own answer; the record keeps no response and its lease ended.
    expect(first).toEqual(failure);
    const afterFailure = await stored();
    expect(afterFailure).toMatchObject({ status: 'IN_PROGRESS', claimCount: 1 });
    expect(afterFailure).not.toHaveProperty('response');
    expect(afterFailure.leaseUntilEpochMs).toBeLessThanOrEqual(Date.now());

    // Act: the retry, well within the 60 s the lease would otherwise have held.
    const retry = await invoke();

    // Assert: a second execution of the same operation (not a 409, not a replayed 5xx).
    expect(retry).toEqual({ statusCode: 200, headers: {}, body: 'done' });
    expect(executionIds).toHaveLength(2);
    expect(executionIds[1]).toBe(executionIds[0]);
    expect(await stored()).toMatchObject({ status: 'COMPLETED', claimCount: 2, response: { statusCode: 200, body: 'done' } });
  });

  test('a returned 4xx is a result: stored and replayed, never run again', async () => {
    answers = [{ statusCode: 404, headers: {}, body: 'no such export' }, { statusCode: 200, headers: {}, body: 'never' }];
    const first = await invoke();
    const retry = await invoke();
    expect(first.statusCode).toBe(404);
    expect(retry).toMatchObject({ statusCode: 404, body: 'no such export', headers: { 'Idempotent-Replayed': 'true' } });
    expect(executionIds).toHaveLength(1);
    expect(await stored()).toMatchObject({ status: 'COMPLETED', claimCount: 1 });
  });
});
