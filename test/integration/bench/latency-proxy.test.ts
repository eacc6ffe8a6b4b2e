import { randomUUID } from 'node:crypto';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable, localDynamoDbClient } from '../../../local/dynamodb-local';
import { AWS_LATENCY_MS, type LatencyProxy, startLatencyProxy } from '../../../bench/latency/proxy';

// The latency model is only worth its figures if it forwards DynamoDB's answers untouched.
describe('latency proxy', () => {
  let proxy: LatencyProxy;
  beforeAll(async () => {
    proxy = await startLatencyProxy(process.env.DYNAMODB_ENDPOINT!);
  });
  afterAll(() => proxy.close());

  test("each request takes at least its operation's modelled latency, and DynamoDB's answers, errors included, come back as they were", async () => {
    const client = localDynamoDbClient(proxy.endpoint);
    const tableName = `bench-proxy-${randomUUID()}`;
    await ensureTable(client, tableName);
    const put = new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'k' }, v: { S: 'x' } }, ConditionExpression: 'attribute_not_exists(pk)' });
    const timed = async <T>(send: () => Promise<T>) => {
      const startedMs = performance.now();
      const result = await send();
      return { result, ms: performance.now() - startedMs };
    };

    const written = await timed(() => client.send(put));
    const read = await timed(() => client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'k' } }, ConsistentRead: true })));

    expect(written.ms).toBeGreaterThanOrEqual(AWS_LATENCY_MS.PutItem! - 1);
    expect(read.ms).toBeGreaterThanOrEqual(AWS_LATENCY_MS.GetItem! - 1);
    expect(read.result.Item).toEqual({ pk: { S: 'k' }, v: { S: 'x' } });
    await expect(client.send(put)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    client.destroy();
  });
});
