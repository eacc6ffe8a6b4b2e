import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { freePort, localDynamoDbClient } from '../../local/dynamodb-local';
import { readTable, type TableContents } from '../helpers/table-contents';

// Repro A of the retention issue, end to end with real processes: local mode against an external
// DynamoDB Local (the run's own), killed with SIGKILL after the processor recorded the charge and
// before it answered, restarted, and retried by the client once the retention has passed.
const ROOT = resolve(__dirname, '../..');
const RETENTION_SECONDS = 20;
const FUNCTION_TIMEOUT_SECONDS = 3;

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

/**
 * `tsx local/main.ts` as one process: the tsx CLI would run main.ts in a child of its own, and a
 * SIGKILL of the CLI would leave that child serving. `node --import tsx` is the same code, one pid.
 */
function startLocalMode(env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { child, output: () => output, exited };
}

async function waitForUrl(running: Running, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const url = /Local mode listening on (http:\/\/\S+)/.exec(running.output())?.[1];
    if (url) return url;
    if (running.child.exitCode !== null || running.child.signalCode !== null) throw new Error(`local mode exited early:\n${running.output()}`);
    if (Date.now() > deadline) throw new Error(`local mode did not start within ${timeoutMs} ms:\n${running.output()}`);
    await sleep(100);
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

const createPayment = (url: string, key: string) =>
  fetch(`${url}/payments`, {
    method: 'POST',
    headers: { 'x-api-key': 'local-dev', 'Idempotency-Key': key, 'Content-Type': 'application/json' },
    body: '{"amount":1000,"currency":"usd","source":"tok_visa"}',
  });

describe('local mode: a crash after the charge, retried after retention', () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT!;
  const tableName = `local-crash-${randomUUID()}`;
  const started: Running[] = [];
  let client: DynamoDBClient;
  const contents = (): Promise<TableContents> => readTable(client, tableName);

  beforeAll(() => {
    client = localDynamoDbClient(endpoint);
  });
  afterAll(async () => {
    // Whatever happened, no local mode outlives the test; only our own children are touched.
    for (const running of started) {
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
      await running.exited;
    }
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
    };
    const first = startLocalMode(env);
    started.push(first);
    const firstUrl = await waitForUrl(first);
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
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await lost).toBe('connection lost');
    const [crashed] = (await contents()).records;
    expect(crashed).toMatchObject({ status: 'IN_PROGRESS' });
    expect(chargeBeforeCrash.pk).toBe(`charge#${crashed!.executionId}`);

    // Act 2: local mode comes back (an instant processor now, to keep the test short).
    const second = startLocalMode({ ...env, PROCESSOR_LATENCY_MS: '0' });
    started.push(second);
    const url = await waitForUrl(second);
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
