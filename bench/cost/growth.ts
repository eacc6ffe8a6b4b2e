import { randomBytes } from 'node:crypto';
import middy from '@middy/core';
import { DeleteItemCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { ensureTable, localDynamoDbClient } from '../../local/dynamodb-local';
import { type HttpRequest, type HttpResponse, jsonResponse } from '../../lambda/http/types';
import { DynamoDbIdempotencyStore } from '../../lambda/idempotency/dynamodb-store';
import { itemSizeBytes } from '../../lambda/idempotency/item-size';
import { idempotency } from '../../lambda/idempotency/middleware';
import { TableSchema } from '../../lambda/shared/table';
import { lambdaContext } from '../load/events';
import { billRequests } from './sizing';

export const GROWTH_BODY_KB = [1, 10, 100] as const;

type Run = (request: HttpRequest) => Promise<HttpResponse>;

const runners: Record<'powertools' | 'ours', (client: DynamoDBClient, tableName: string, body: unknown) => Run> = {
  ours: (client, tableName, body) => {
    const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const store = new DynamoDbIdempotencyStore({ documentClient, tableName, ttlSeconds: 86_400 });
    const handler = middy<HttpRequest, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
      .use(idempotency({ store }))
      .handler(async () => jsonResponse(200, body));
    return (request) => handler(request, lambdaContext());
  },
  powertools: (client, tableName, body) => {
    const persistenceStore = new DynamoDBPersistenceLayer({ tableName, keyAttr: TableSchema.partitionKey, awsSdkV3Client: client });
    const config = new IdempotencyConfig({ eventKeyJmesPath: '[tenant, key]', payloadValidationJmesPath: '[method, path, body]' });
    const run = makeIdempotent(async (_input: unknown, _context: Context) => jsonResponse(200, body), { persistenceStore, config, keyPrefix: 'reports' });
    return (r) => run({ tenant: r.tenant, key: r.headers['idempotency-key'], method: r.method, path: r.path, body: {} }, lambdaContext()) as Promise<HttpResponse>;
  },
};

/**
 * Stored record size and write units as the response body grows. No payments API answer is this
 * large, so both layers wrap the same synthetic handler, a JSON list of payment-like objects, which
 * writes nothing else; both complete with one UpdateItem of the record.
 */
export async function measureGrowth(endpoint: string) {
  const inspector = localDynamoDbClient(endpoint);
  const scan = async (tableName: string) => (await inspector.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))).Items ?? [];
  const rows = [];
  for (const variant of ['powertools', 'ours'] as const) {
    const client = localDynamoDbClient(endpoint);
    const tableName = `growth-${variant}`;
    await ensureTable(client, tableName);
    const bills = billRequests(client, inspector);
    for (const bodyKb of GROWTH_BODY_KB) {
      const body = listBody(bodyKb * 1024);
      const request: HttpRequest = { method: 'POST', path: '/reports', headers: { 'idempotency-key': `g-${bodyKb}` }, pathParameters: {}, body: '{}', tenant: 't' };
      // Each run on a new instance, so the replay reaches DynamoDB: a conditional PutItem that fails.
      const units = async () => {
        bills.take();
        await runners[variant](client, tableName, body)(request);
        return bills.take().reduce((sum, b) => sum + b.writeUnits, 0);
      };
      const [firstExecutionWriteUnits, replayWriteUnits] = [await units(), await units()];
      const items = await scan(tableName);
      rows.push({ variant, bodyKb, recordBytes: Math.max(0, ...items.map(itemSizeBytes)), firstExecutionWriteUnits, replayWriteUnits });
      for (const item of items) await inspector.send(new DeleteItemCommand({ TableName: tableName, Key: { [TableSchema.partitionKey]: item[TableSchema.partitionKey]! } }));
    }
    client.destroy();
  }
  inspector.destroy();
  return rows;
}
export type GrowthRow = Awaited<ReturnType<typeof measureGrowth>>[number];

/** `{"object":"list","data":[...]}` of exactly `bytes` bytes of JSON; random ids make it about as compressible as real API output. */
export function listBody(bytes: number): unknown {
  const data: unknown[] = [];
  let size = 30;
  while (size < bytes - 250) {
    const n = data.length;
    const item = { id: `pay_${randomBytes(16).toString('hex')}`, object: 'payment', amount: 1000 + n, currency: 'usd', status: 'succeeded', charge: `ch_${randomBytes(12).toString('hex')}`, created: 1_760_000_000 + n };
    data.push(item);
    size += JSON.stringify(item).length + 1;
  }
  const draft = { object: 'list', data, padding: '' };
  const padding = Math.max(0, bytes - JSON.stringify(draft).length);
  return { ...draft, padding: randomBytes(Math.ceil(padding / 2)).toString('hex').slice(0, padding) };
}
