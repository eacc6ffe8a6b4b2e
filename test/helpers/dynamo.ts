import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable, localDynamoDbClient } from '../../local/dynamodb-local';

export interface TestTable {
  client: DynamoDBClient;
  tableName: string;
  endpoint: string;
  drop(): Promise<void>;
}

/** A fresh table in the run's DynamoDB Local, named so files and tests never share one. */
export async function createTestTable(label = 'test'): Promise<TestTable> {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run the tests through jest (global setup starts DynamoDB Local)');
  const client = localDynamoDbClient(endpoint);
  const tableName = `${label}-${randomUUID()}`;
  await ensureTable(client, tableName);
  return {
    client,
    tableName,
    endpoint,
    async drop() {
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } finally {
        // Even when the table is already gone: a live client's sockets keep a jest worker running.
        client.destroy();
      }
    },
  };
}
