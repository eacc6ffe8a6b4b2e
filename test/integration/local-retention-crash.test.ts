import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { freePort, localDynamoDbClient } from '../../local/dynamodb-local';
import { killAllLocalModes, type LocalModeProcess, postPayment, startLocalMode, waitFor } from '../helpers/local-mode-process';
import { readTable, type TableContents } from '../helpers/table-contents';

// Repro A of the retention issue, end to end with real processes: local mode against an external
// DynamoDB Local (the run's own), killed with SIGKILL after the processor recorded the charge and
// before it answered, restarted, and retried by the client once the retention has passed.
const RETENTION_SECONDS = 20;
const FUNCTION_TIMEOUT_SECONDS = 3;

const createPayment = (url: string, key: string) => postPayment(url, key);

describe('local mode: a crash after the charge, retried after retention', () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT!;
  const tableName = `local-crash-${randomUUID()}`;
  let client: DynamoDBClient;
  const contents = (): Promise<TableContents> => readTable(client, tableName);

  beforeAll(() => {
    client = localDynamoDbClient(endpoint);
  });
  afterAll(async () => {
    // Whatever happened, no local mode outlives the test; only our own children are touched.
    await killAllLocalModes();
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
  });

  test('a payment whose local mode was killed after charging is charged once: the retry after retention takes the record over with its execution id', async () => {
    // Arrange: local mode with a slow processor (the charge is recorded, then 5 s pass before the answer).
    const port = String(await freePort());
    const env = {
      DYNAMODB_ENDPOINT: endpoint,
      TABLE_NAME: tableName,
      PORT: port,
      IDEMPOTENCY_TTL_SECONDS: String(RETENTION_SECONDS),
      FUNCTION_TIMEOUT_SECONDS: String(FUNCTION_TIMEOUT_SECONDS),
      PROCESSOR_LATENCY_MS: '5000',
      // Recovery would finish the payment before the retention ends and hide the bug this repro is about.
      RECOVERY_INTERVAL_SECONDS: '0',
    };
    const first: LocalModeProcess = startLocalMode(env);
    const firstUrl = await first.url();
    expect(first.output()).not.toMatch(/java pid/); // the external DynamoDB Local, no embedded one

    // Act 1: the payment is posted; once its charge is in the table, local mode is killed (-9)
    // while the processor's answer is still on its way.
    const postedAtMs = Date.now();
    const lost = createPayment(firstUrl, 'order-crash-1').then(
      (response) => `answered ${response.status}`,
      () => 'connection lost',
    );
    const chargeBeforeCrash = await waitFor('the charge item', async () => (await contents()).charges[0], 10_000);
    await sleep(Math.max(0, postedAtMs + 1_500 - Date.now()));
    await first.kill9();
    expect(await lost).toBe('connection lost');
    const [crashed] = (await contents()).records;
    expect(crashed).toMatchObject({ status: 'IN_PROGRESS' });
    expect(chargeBeforeCrash.pk).toBe(`charge#${crashed!.executionId}`);

    // Act 2: local mode comes back (an instant processor now, to keep the test short).
    const second = startLocalMode({ ...env, PROCESSOR_LATENCY_MS: '0' });
    const url = await second.url();
    // A retry while the dead holder's lease is still running is a 409. (A retry after the lease
    // lapsed but within retention would take over and finish here; the bug lives past retention,
    // so the test does not send one.)
    if (Date.now() < crashed!.leaseUntilEpochMs - 500) {
      const early = await createPayment(url, 'order-crash-1');
      expect(early.status).toBe(409);
      expect(Number(early.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // The client's next retry comes after the retention, counted from the first claim, has passed.
    await sleep(Math.max(0, (crashed!.createdAtEpochMs ?? postedAtMs) + (RETENTION_SECONDS + 1) * 1000 - Date.now()));
    const retry = await createPayment(url, 'order-crash-1');
    const retryBody = (await retry.json()) as { charge?: string };

    // Assert: one charge, the one made before the crash; one payment naming it.
    expect(retry.status).toBe(201);
    const after = await contents();
    expect(after.charges).toHaveLength(1);
    expect(after.payments).toHaveLength(1);
    expect(after.records).toHaveLength(1);
    expect(after.records[0]).toMatchObject({ status: 'COMPLETED', executionId: crashed!.executionId });
    expect(after.payments[0]!.payment.charge).toBe(chargeBeforeCrash.id);
    expect(retryBody.charge).toBe(chargeBeforeCrash.id);
  }, 60_000);
});
