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
import { idempotency } from '../../lambda/idempotency/middleware';
import { TableSchema } from '../../lambda/shared/table';
import { lambdaContext } from '../load/events';
import { billRequests } from './capacity-meter';
import { itemSizeBytes } from '../../lambda/idempotency/item-size';

export const GROWTH_BODY_KB = [1, 10, 100] as const;

export interface GrowthRow {
  variant: 'powertools' | 'ours';
  bodyKb: number;
  /** The COMPLETED record as stored. */
  recordBytes: number;
  firstExecutionWriteUnits: number;
  /** One replay that reaches DynamoDB (cold cache): a conditional PutItem that fails. */
  replayWriteUnits: number;
}

type Run = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * Stored record size and write units as the response body grows. No payments API answer is this
 * large, so both layers wrap the same synthetic handler, which returns a JSON list of
 * payment-like objects (random ids: about as compressible as real API output) and writes nothing
 * else. Both complete with one UpdateItem of the record, as ours does in the payments flow.
 */
export async function measureGrowth(endpoint: string): Promise<GrowthRow[]> {
  const inspector = localDynamoDbClient(endpoint);
  const rows: GrowthRow[] = [];
  for (const variant of ['powertools', 'ours'] as const) {
    const client = localDynamoDbClient(endpoint);
    const tableName = `growth-${variant}`;
    await ensureTable(client, tableName);
    const bills = billRequests(client, inspector);
    for (const bodyKb of GROWTH_BODY_KB) {
      const body = listBody(bodyKb * 1024);
      const request: HttpRequest = { method: 'POST', path: '/reports', headers: { 'idempotency-key': `g-${bodyKb}` }, pathParameters: {}, body: '{}', tenant: 't' };
      const units = async (run: Run) => {
        bills.take();
        await run(request);
        return bills.take().reduce((sum, b) => sum + b.writeUnits, 0);
      };
      const build = variant === 'ours' ? oursRunner : powertoolsRunner;
      const firstExecutionWriteUnits = await units(build(client, tableName, body));
      const replayWriteUnits = await units(build(client, tableName, body)); // a new instance: nothing cached
      rows.push({ variant, bodyKb, recordBytes: await largestItemBytes(inspector, tableName), firstExecutionWriteUnits, replayWriteUnits });
      await clear(inspector, tableName);
    }
    client.destroy();
  }
  inspector.destroy();
  return rows;
}

function oursRunner(client: DynamoDBClient, tableName: string, body: unknown): Run {
  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const store = new DynamoDbIdempotencyStore({ documentClient, tableName, ttlSeconds: 86_400 });
  const handler = middy<HttpRequest, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(idempotency({ store }))
    .handler(async () => jsonResponse(200, body));
  return (request) => handler(request, lambdaContext());
}

function powertoolsRunner(client: DynamoDBClient, tableName: string, body: unknown): Run {
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, keyAttr: TableSchema.partitionKey, awsSdkV3Client: client });
  const config = new IdempotencyConfig({ eventKeyJmesPath: '[tenant, key]', payloadValidationJmesPath: '[method, path, body]' });
  const run = makeIdempotent(async (_input: unknown, _context: Context) => jsonResponse(200, body), { persistenceStore, config, keyPrefix: 'reports' });
  return (request) =>
    run({ tenant: request.tenant, key: request.headers['idempotency-key'], method: request.method, path: request.path, body: {} }, lambdaContext()) as Promise<HttpResponse>;
}

/** `{"object":"list","data":[...]}` of about `bytes` bytes of JSON, trimmed to exactly that size. */
export function listBody(bytes: number): unknown {
  const data: unknown[] = [];
  let size = 30;
  while (size < bytes - 250) {
    const item = {
      id: `pay_${randomBytes(16).toString('hex')}`,
      object: 'payment',
      amount: 1000 + data.length,
      currency: 'usd',
      status: 'succeeded',
      charge: `ch_${randomBytes(12).toString('hex')}`,
      created: 1_760_000_000 + data.length,
    };
    data.push(item);
    size += JSON.stringify(item).length + 1;
  }
  const filler = (n: number) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, Math.max(0, n));
  const draft = { object: 'list', data, padding: '' };
  return { ...draft, padding: filler(bytes - JSON.stringify(draft).length) };
}

async function largestItemBytes(client: DynamoDBClient, tableName: string): Promise<number> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return Math.max(0, ...Items.map(itemSizeBytes));
}

async function clear(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  for (const item of Items) await client.send(new DeleteItemCommand({ TableName: tableName, Key: { [TableSchema.partitionKey]: item[TableSchema.partitionKey]! } }));
}
