import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createTableInput, TableSchema } from '../../lambda/shared/table';
import { ensureTable, localDynamoDbClient } from '../../local/dynamodb-local';

describe('local mode: the table is built from the one schema, TTL included', () => {
  let client: DynamoDBClient;
  const tables: string[] = [];
  const newTableName = () => {
    const name = `local-table-${randomUUID()}`;
    tables.push(name);
    return name;
  };
  const timeToLive = async (tableName: string) =>
    (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }))).TimeToLiveDescription;

  beforeAll(() => {
    client = localDynamoDbClient(process.env.DYNAMODB_ENDPOINT!);
  });
  afterAll(async () => {
    for (const name of tables) await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
    client.destroy();
  });

  it('creates the table with TTL enabled on the schema attribute, as the stack does', async () => {
    const tableName = newTableName();

    expect(await ensureTable(client, tableName)).toBe('created');

    expect(await timeToLive(tableName)).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: TableSchema.ttlAttribute });
  });

  it('enables TTL on an existing table that was created without it', async () => {
    const tableName = newTableName();
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    expect((await timeToLive(tableName))?.TimeToLiveStatus).toBe('DISABLED');

    expect(await ensureTable(client, tableName)).toBe('existing');

    expect(await timeToLive(tableName)).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: TableSchema.ttlAttribute });
  });

  it('is idempotent, also when several processes ensure the same table at once', async () => {
    const tableName = newTableName();

    const outcomes = await Promise.all([1, 2, 3].map(() => ensureTable(client, tableName)));
    const again = await ensureTable(client, tableName);

    expect(outcomes.filter((outcome) => outcome === 'created').length).toBeLessThanOrEqual(1);
    expect(again).toBe('existing');
    expect(await timeToLive(tableName)).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: TableSchema.ttlAttribute });
  });

  it('refuses a table whose TTL is on another attribute, naming both', async () => {
    const tableName = newTableName();
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }));

    await expect(ensureTable(client, tableName)).rejects.toThrow(`has TTL on attribute ttl, not ${TableSchema.ttlAttribute}`);
  });
});
