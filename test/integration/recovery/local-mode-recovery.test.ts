import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CardDeclinedError, PaymentsClient } from '../../../client';
import { DynamoDbIdempotencyStore } from '../../../lambda/idempotency/dynamodb-store';
import { requestFingerprint } from '../../../lambda/idempotency/fingerprint';
import { DynamoDbRecoveryStore } from '../../../lambda/idempotency/recovery-store';
import { ensureTable, freePort, localDynamoDbClient } from '../../../local/dynamodb-local';
import { ledgerFigures, recordOf, soundLedger } from '../../helpers/ledger';
import { killAllLocalModes, postPayment, startLocalMode, waitFor } from '../../helpers/local-mode-process';
import { readTable } from '../../helpers/table-contents';
import { testSecretKey } from '../../helpers/test-keys';

// Recovery against real local mode processes killed with SIGKILL, over the run's DynamoDB Local.
jest.setTimeout(90_000);

const TENANT = 'local-dev';
const PAYMENT = { amount: 1000, currency: 'usd', source: 'tok_visa' } as const;
const FUNCTION_TIMEOUT_SECONDS = 2; // the lease: 2 s + 1 s margin
const RECOVERY_INTERVAL_SECONDS = 1;

describe('local mode recovery after kill -9', () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT!;
  let client: DynamoDBClient;
  let tableName: string;
  const env = (more: Record<string, string> = {}) => ({
    DYNAMODB_ENDPOINT: endpoint,
    TABLE_NAME: tableName,
    LOCAL_STATE_FILE: `/tmp/local-mode-${tableName}.json`,
    FUNCTION_TIMEOUT_SECONDS: String(FUNCTION_TIMEOUT_SECONDS),
    RECOVERY_INTERVAL_SECONDS: String(RECOVERY_INTERVAL_SECONDS),
    ...more,
  });
  const contents = () => readTable(client, tableName);

  beforeAll(() => {
    client = localDynamoDbClient(endpoint);
  });
  beforeEach(async () => {
    tableName = `recovery-${randomUUID()}`;
    await ensureTable(client, tableName);
  });
  afterEach(async () => {
    await killAllLocalModes();
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  });
  afterAll(() => client.destroy());

  test('a crash between the charge and the completion, and no retry: recovery completes it with that charge within two intervals', async () => {
    // A slow processor: the charge is recorded, its answer takes 4 s, and local mode dies meanwhile.
    const first = startLocalMode(env({ PROCESSOR_LATENCY_MS: '4000' }));
    void postPayment(await first.url(), 'k-crash').catch(() => undefined);
    const charge = await waitFor('the charge', async () => (await contents()).charges[0], 10_000);
    await first.kill9();
    const [claimed] = (await contents()).records;
    expect(claimed).toMatchObject({ status: 'IN_PROGRESS' });

    const second = startLocalMode(env());
    const url = await second.url();
    const upEpochMs = Date.now();
    const completed = await waitFor('recovery', async () => recordOf(await contents(), TENANT, 'k-crash')?.status === 'COMPLETED', 20_000);
    expect(completed).toBe(true);
    // From when it could first act (lease lapsed, local mode up): two sweeps, plus a sweep's own
    // run and this poll on a loaded machine.
    expect(Date.now() - Math.max(claimed!.leaseUntilEpochMs, upEpochMs)).toBeLessThan(2 * RECOVERY_INTERVAL_SECONDS * 1000 + 3_000);

    const after = await contents();
    expect(ledgerFigures(after)).toEqual(soundLedger(1));
    expect(recordOf(after, TENANT, 'k-crash')!.payment.charge).toBe(charge.id);
    // The sweep logs once its whole run is done, a moment after the record completed.
    await waitFor('the recovery log line', async () => /recovery: 1 recovered/.test(second.output()), 10_000);

    const retry = await postPayment(url, 'k-crash');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(((await retry.json()) as { charge: string }).charge).toBe(charge.id);
  });

  test('a crash before the charge, and no retry: recovery charges once and completes', async () => {
    // What a holder that died between its claim and the processor call leaves behind: the claim
    // (with its stored request) and nothing at the processor. The simulator charges at once after
    // the claim, so a kill cannot land in that gap reliably; the claim is made by the real store.
    const store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(client), tableName, ttlSeconds: 86_400 });
    const body = JSON.stringify(PAYMENT);
    const nowMs = Date.now();
    await store.claim({
      tenant: TENANT,
      key: 'k-early',
      fingerprint: requestFingerprint('POST', '/payments', body),
      leaseUntilEpochMs: nowMs + 500,
      nowMs,
      request: { method: 'POST', path: '/payments', body },
    });
    expect((await contents()).charges).toHaveLength(0);

    const running = startLocalMode(env());
    const url = await running.url();
    await waitFor('recovery', async () => recordOf(await contents(), TENANT, 'k-early')?.status === 'COMPLETED', 20_000);
    expect(ledgerFigures(await contents())).toEqual(soundLedger(1));
    const replay = await postPayment(url, 'k-early');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  test('a processor that keeps failing: with a short window the record ends needs-attention, charged at most once', async () => {
    const running = startLocalMode(env({ PROCESSOR_FAILURE_RATE: '1', RECOVERY_WINDOW_SECONDS: '5' }));
    const reply = await postPayment(await running.url(), 'k-doomed');
    expect(reply.status).toBe(502);
    const recovery = new DynamoDbRecoveryStore({ documentClient: DynamoDBDocumentClient.from(client), tableName });
    const [attention] = await waitFor('needs attention', async () => {
      const listed = await recovery.list('attention', Date.now() + 1);
      return listed.length > 0 ? listed : undefined;
    }, 30_000);
    expect(attention).toMatchObject({ idempotencyKey: 'k-doomed', recovery: { lastStatus: 502 } });
    expect(attention!.recovery!.attempts).toBeGreaterThanOrEqual(1);
    await waitFor('the needs-attention log line', async () => /1 need attention/.test(running.output()), 10_000);
    expect((await contents()).charges.length).toBeLessThanOrEqual(1);
  });

  test('chaos: retrying clients, repeated kill -9 restarts and 30 % processor failures settle at charges = payments = keys', async () => {
    const port = String(await freePort());
    const chaosEnv = env({ PORT: port, PROCESSOR_FAILURE_RATE: '0.3', PROCESSOR_LATENCY_MS: '50' });
    let current = startLocalMode(chaosEnv);
    const url = await current.url();
    const keys = Array.from({ length: 12 }, (_, i) => `chaos-${i}`);
    // Persistent clients: every key reaches the server at least once, though some give up later.
    const retry = { maxAttempts: 30, baseDelayMs: 50, maxDelayMs: 400, maxRetryAfterMs: 500, maxElapsedMs: 15_000 };
    const payments = new PaymentsClient({ baseUrl: url, secretKey: testSecretKey(TENANT), retry, timeoutMs: 3_000 });

    let restarts = 0;
    let chaos = true;
    const killer = (async () => {
      while (chaos && restarts < 3) {
        await sleep(1_500);
        await current.kill9();
        restarts++;
        current = startLocalMode(chaosEnv);
        await current.url();
      }
    })();
    // Clients that give up are fine: recovery finishes what they leave.
    await Promise.all(
      keys.map(async (key, i) => {
        await sleep(i * 150);
        await payments.createPayment(PAYMENT, { idempotencyKey: key }).catch((error: unknown) => {
          if (error instanceof CardDeclinedError) throw error;
        });
      }),
    );
    chaos = false;
    await killer;
    expect(restarts).toBeGreaterThan(0);

    let last = await contents();
    const settled = await waitFor('every record completed', async () => {
      last = await contents();
      const done = last.records.length === keys.length && last.records.every((r) => r.status === 'COMPLETED');
      return done ? last : undefined;
    }, 45_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(last.records.map((r) => [r.idempotencyKey, r.status, r.recovery]))}\n${current.output().slice(-3000)}`);
    });
    expect(ledgerFigures(settled)).toEqual(soundLedger(keys.length));
  });
});
