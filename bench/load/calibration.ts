import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, PutItemCommand, TransactWriteItemsCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../local/dynamodb-local';
import { percentile, round } from './stats';

/** What the emulator charges for the write shapes the variants use, without any handler around them. */
export interface CalibrationRow {
  shape: 'PutItem' | 'PutItem then UpdateItem' | 'TransactWriteItems (Update + Put)';
  concurrency: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const SHAPES: CalibrationRow['shape'][] = ['PutItem', 'PutItem then UpdateItem', 'TransactWriteItems (Update + Put)'];

/**
 * The completion of a first execution, isolated: Powertools writes the payment and then updates
 * its record (two round trips); ours does both in one transaction. Run against the same DynamoDB
 * Local, interleaved, with items of the sizes the variants write. Shows what a transaction costs
 * the emulator compared with the round trip it saves.
 */
export async function calibrate(client: DynamoDBClient, concurrencies: number[], operations: number): Promise<CalibrationRow[]> {
  const tableName = 'bench-calibration';
  await ensureTable(client, tableName);
  const item = (pk: string) => ({ pk: { S: pk }, payment: { S: 'p'.repeat(250) }, n: { N: '1760000000' } });
  const update = (pk: string) => ({
    TableName: tableName,
    Key: { pk: { S: pk } },
    UpdateExpression: 'SET #s = :s, #r = :r',
    ExpressionAttributeNames: { '#s': 'status', '#r': 'response' },
    ExpressionAttributeValues: { ':s': { S: 'COMPLETED' }, ':r': { S: 'r'.repeat(400) } },
  });
  const put = (pk: string) => ({ TableName: tableName, Item: item(pk), ConditionExpression: 'attribute_not_exists(pk)' });
  const run: Record<CalibrationRow['shape'], (id: string) => Promise<unknown>> = {
    PutItem: (id) => client.send(new PutItemCommand(put(`a${id}`))),
    'PutItem then UpdateItem': async (id) => {
      await client.send(new PutItemCommand(put(`b${id}`)));
      await client.send(new UpdateItemCommand(update(`c${id}`)));
    },
    'TransactWriteItems (Update + Put)': (id) =>
      client.send(new TransactWriteItemsCommand({ ClientRequestToken: randomUUID(), TransactItems: [{ Update: update(`d${id}`) }, { Put: put(`e${id}`) }] })),
  };
  const rows: CalibrationRow[] = [];
  for (const concurrency of concurrencies) {
    for (const shape of SHAPES) {
      const latencies: number[] = [];
      let next = 0;
      const startedMs = performance.now();
      const worker = async () => {
        while (next < operations) {
          const id = `${concurrency}-${next++}-${randomUUID()}`;
          const t = performance.now();
          await run[shape](id);
          latencies.push(performance.now() - t);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const wallMs = performance.now() - startedMs;
      rows.push({ shape, concurrency, opsPerSecond: round(operations / (wallMs / 1000), 0), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)) });
    }
  }
  return rows;
}
