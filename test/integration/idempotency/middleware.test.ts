import { randomBytes } from 'node:crypto';
import middy from '@middy/core';
import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { errorToResponse } from '../../../lambda/http/problem';
import type { HttpRequest, HttpResponse } from '../../../lambda/http/types';
import { DynamoDbIdempotencyStore } from '../../../lambda/idempotency/dynamodb-store';
import { idempotency, type IdempotentContext } from '../../../lambda/idempotency/middleware';
import { COMPRESS_ABOVE_BYTES } from '../../../lambda/idempotency/response-codec';
import { TableSchema } from '../../../lambda/shared/table';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { readTable } from '../../helpers/table-contents';

// The middleware wrapped around a handler that is not the payments one: it is a reusable layer.
describe('idempotency middleware around any handler', () => {
  let table: TestTable;
  let executions: number;
  let makeBody: () => string;
  let makeHeaders: () => Record<string, string>;
  let invoke: (key: string) => Promise<HttpResponse>;

  beforeEach(async () => {
    table = await createTestTable('mw');
    executions = 0;
    makeHeaders = () => ({});
    const store = new DynamoDbIdempotencyStore({
      documentClient: DynamoDBDocumentClient.from(table.client),
      tableName: table.tableName,
      ttlSeconds: 3600,
    });
    const handler = middy<HttpRequest, HttpResponse, Error, Context>()
      .use(idempotency({ store }))
      .handler(async (_event, context) => {
        executions += 1;
        const { executionId } = (context as IdempotentContext).idempotency;
        return { statusCode: 200, headers: { 'Content-Type': 'text/plain', 'X-Execution': executionId, ...makeHeaders() }, body: makeBody() };
      });
    invoke = (key) =>
      handler(
        { method: 'POST', path: '/reports', headers: { 'idempotency-key': key }, pathParameters: {}, body: '{"n":1}', tenant: 't' },
        {} as Context,
      ).catch((error: unknown) => errorToResponse(error, () => {}));
  });
  afterEach(() => table.drop());

  test('a large response is stored compressed and replayed byte for byte', async () => {
    makeBody = () => JSON.stringify({ rows: Array.from({ length: 2000 }, (_, i) => ({ i, label: `row ${i}` })) });
    const first = await invoke('big');
    expect(Buffer.byteLength(first.body)).toBeGreaterThan(40_000);
    const replay = await invoke('big');
    expect(replay.body).toBe(first.body);
    expect(replay.headers['Idempotent-Replayed']).toBe('true');
    expect(executions).toBe(1);
    const [record] = (await readTable(table.client, table.tableName)).records;
    expect(record!.response.body).toBeUndefined();
    expect(record!.response.bodyGzip.byteLength).toBeLessThan(Buffer.byteLength(first.body) / 4);
  });

  test('a small response is stored as plain text', async () => {
    makeBody = () => 'x'.repeat(COMPRESS_ABOVE_BYTES);
    await invoke('small');
    const [record] = (await readTable(table.client, table.tableName)).records;
    expect(record!.response.body).toBe('x'.repeat(COMPRESS_ABOVE_BYTES));
  });

  test('a response too large to store even compressed is stored as a 500 that every retry replays, never run again', async () => {
    makeBody = () => randomBytes(400 * 1024).toString('base64'); // incompressible, over 400 KB gzipped
    const failed = await invoke('huge');
    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body)).toMatchObject({ code: 'response_too_large', status: 500 });
    expect(failed.headers['Retry-After']).toBeUndefined();
    const [record] = (await readTable(table.client, table.tableName)).records;
    expect(record).toMatchObject({ status: 'COMPLETED', response: { statusCode: 500 } });

    makeBody = () => 'fits now';
    const retry = await invoke('huge');
    expect(retry).toMatchObject({ statusCode: 500, headers: { 'Idempotent-Replayed': 'true' } });
    expect(retry.body).toBe(failed.body);
    expect(executions).toBe(1);
  });

  test('headers that push a compressible response over the item limit count too: a stored 500, one execution', async () => {
    makeBody = () => 'x'.repeat(200 * 1024); // gzips to a few hundred bytes
    makeHeaders = () => ({ 'X-Trace': randomBytes(300 * 1024).toString('base64') });
    const failed = await invoke('fat-headers');
    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body)).toMatchObject({ code: 'response_too_large' });
    const retry = await invoke('fat-headers');
    expect(retry).toMatchObject({ statusCode: 500, headers: { 'Idempotent-Replayed': 'true' } });
    expect(executions).toBe(1);
  });

  test('the execution id handed to the handler survives a release and takeover', async () => {
    let fail = true;
    const seen: string[] = [];
    makeBody = () => {
      if (fail) {
        fail = false;
        throw new Error('boom');
      }
      return 'ok';
    };
    const store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(table.client), tableName: table.tableName, ttlSeconds: 60 });
    const handler = middy<HttpRequest, HttpResponse, Error, Context>()
      .use(idempotency({ store }))
      .handler(async (_event, context) => {
        seen.push((context as IdempotentContext).idempotency.executionId);
        return { statusCode: 200, headers: {}, body: makeBody() };
      });
    const event: HttpRequest = { method: 'POST', path: '/x', headers: { 'idempotency-key': 'k' }, pathParameters: {}, body: null, tenant: 't' };
    await expect(handler(event, {} as Context)).rejects.toThrow('boom');
    await expect(handler(event, {} as Context)).resolves.toMatchObject({ statusCode: 200 });
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(seen[0]);
  });
});

describe('retention of a generic completed result', () => {
  test('once a completed key is older than the retention it runs anew, though DynamoDB (TTL on) has not deleted it', async () => {
    const table = await createTestTable('mw-retention');
    try {
      // The function's clock runs an hour ahead of DynamoDB's: TTL (enabled on the table) has no
      // reason to delete the record yet, so only the condition's own expiry check can end it.
      let aheadMs = 0;
      let executions = 0;
      const store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(table.client), tableName: table.tableName, ttlSeconds: 60 });
      const handler = middy<HttpRequest, HttpResponse, Error, Context>()
        .use(idempotency({ store, now: () => Date.now() + aheadMs }))
        .handler(async () => ({ statusCode: 200, headers: {}, body: `run ${++executions}` }));
      const event: HttpRequest = { method: 'POST', path: '/x', headers: { 'idempotency-key': 'k' }, pathParameters: {}, body: null, tenant: 't' };

      expect((await handler(event, {} as Context)).body).toBe('run 1');
      expect((await handler(event, {} as Context)).body).toBe('run 1'); // a replay within retention
      aheadMs = 3_600_000;
      const { TimeToLiveDescription } = await table.client.send(new DescribeTimeToLiveCommand({ TableName: table.tableName }));
      expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: TableSchema.ttlAttribute });
      const { records } = await readTable(table.client, table.tableName);
      expect(records).toHaveLength(1); // still there
      // It carries the TTL attribute, past by the function's clock, not yet by DynamoDB's.
      const expiresAtMs = Number(records[0]![TableSchema.ttlAttribute]) * 1000;
      expect(records[0]).toMatchObject({ status: 'COMPLETED' });
      expect(expiresAtMs).toBeLessThanOrEqual(Date.now() + aheadMs);
      expect(expiresAtMs).toBeGreaterThan(Date.now());

      expect((await handler(event, {} as Context)).body).toBe('run 2');
      expect(executions).toBe(2);
    } finally {
      await table.drop();
    }
  });
});
