import { type ChildProcess, execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { ensureTable, localDynamoDbClient } from '../../local/dynamodb-local';
import { writeState } from '../../local/state-file';
import { locateDatabase } from '../../ops/database';
import { runOps } from '../../ops/main';
import { type LocalModeProcess, killAllLocalModes, postPayment, ROOT, startLocalMode, waitFor } from '../helpers/local-mode-process';
import { TestKeyring } from '../helpers/test-keys';
import { readTable } from '../helpers/table-contents';

// `npm run ops` end to end against local mode as a real child process. The CLI runs as a process
// of its own where that is the point (finding local mode by its state file, exit codes, stdout and
// stderr); the other commands call the same entry in this process.

const endpoint = process.env.DYNAMODB_ENDPOINT!;
const tableName = `ops-${randomUUID()}`;
const client = localDynamoDbClient(endpoint);
const tempDir = mkdtempSync(join(tmpdir(), 'ops-test-'));
const liveStateFile = join(tempDir, 'local-mode.json');
const localModeEnv = { DYNAMODB_ENDPOINT: endpoint, TABLE_NAME: tableName, RECOVERY_INTERVAL_SECONDS: '0' }; // the test drives recovery

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}
const clis = new Set<ChildProcess>();
const { DYNAMODB_ENDPOINT: _endpoint, TABLE_NAME: _table, ...inherited } = process.env;
/** How the CLI finds the database: a local mode's state file only, or an explicit endpoint. */
const throughStateFile = (stateFile = liveStateFile) => ({ ...inherited, LOCAL_STATE_FILE: stateFile, FUNCTION_TIMEOUT_SECONDS: '2' });
const throughEndpoint = { ...inherited, DYNAMODB_ENDPOINT: endpoint, TABLE_NAME: tableName, FUNCTION_TIMEOUT_SECONDS: '2' };

/** The CLI as an operator runs it, a process of its own: `node --import tsx ops/cli.ts`. */
function opsProcess(args: string[], env: NodeJS.ProcessEnv = throughStateFile()): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', 'ops/cli.ts', ...args], { cwd: ROOT, env, timeout: 20_000 }, (error, stdout, stderr) => {
      clis.delete(child);
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
    clis.add(child);
  });
}

/**
 * The same entry the CLI process runs, called in this process: each CLI process spends a second
 * of CPU loading the SDK, so the checks that a process adds nothing to run here.
 */
async function ops(args: string[], env: Record<string, string | undefined> = throughEndpoint): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runOps(args, env, { out: (text) => (stdout += `${text}\n`), err: (text) => (stderr += `${text}\n`) });
  return { code, stdout, stderr };
}
const json = (run: CliRun) => JSON.parse(run.stdout);

/** POST /payments for any tenant: its test key is stored in local mode's table first, as `npm run keys -- create` would. */
async function pay(url: string, tenant: string, key: string, amount: number) {
  const keyring = new TestKeyring(endpoint, tableName);
  const authorization = await keyring.authorization(tenant).finally(() => keyring.close());
  const response = await fetch(`${url}/payments`, {
    method: 'POST',
    headers: { Authorization: authorization, 'Idempotency-Key': key, 'Content-Type': 'application/json' },
    body: JSON.stringify({ amount, currency: 'usd', source: 'tok_visa' }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; charge: string; created: number };
}

/** Payments list newest first by creation second: the next payment must land in a later one. */
const nextSecond = () => sleep(1_050 - (Date.now() % 1_000));

let live: LocalModeProcess;
let liveUrl: string;
const DIED = 'ops-died';
/** The record and charge of DIED as the killed local mode left them. */
let stalled: { record: Record<string, any>; charge: Record<string, any> };

beforeAll(async () => {
  await ensureTable(client, tableName);
  live = startLocalMode({ ...localModeEnv, LOCAL_STATE_FILE: liveStateFile, FUNCTION_TIMEOUT_SECONDS: '2' });
  // The one that dies after charging: a 4 s timeout gives a 5 s lease and a 3 s processor deadline,
  // time to kill it before it gives up on its own and to look at the record while it is held.
  const dying = startLocalMode({ ...localModeEnv, LOCAL_STATE_FILE: join(tempDir, 'dying.json'), FUNCTION_TIMEOUT_SECONDS: '4', PROCESSOR_LATENCY_MS: '60000' });
  const [url, dyingUrl] = await Promise.all([live.url(), dying.url()]);
  liveUrl = url;
  // Made here so its lease runs out while the tests before the one that recovers it run.
  void postPayment(dyingUrl, DIED).catch(() => {}); // the connection dies with local mode
  const charge = await waitFor('the charge', async () => (await readTable(client, tableName)).charges.find((c) => c.metadata.idempotencyKey === DIED), 15_000);
  await dying.kill9();
  stalled = { record: (await readTable(client, tableName)).records.find((r) => r.idempotencyKey === DIED)!, charge };
});

afterAll(async () => {
  for (const child of clis) child.kill('SIGKILL');
  await killAllLocalModes();
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  client.destroy();
  rmSync(tempDir, { recursive: true, force: true });
});

const recordOf = async (key: string) => (await readTable(client, tableName)).records.find((r) => r.idempotencyKey === key);

test('ops recover <tenant> <key> leaves a record alone while its lease is held: the holder might still run', async () => {
  expect(stalled.record).toMatchObject({ status: 'IN_PROGRESS', executionId: stalled.charge.pk.slice('charge#'.length), claimCount: 1 });

  const held = await ops(['recover', 'local-dev', DIED, '--json']);

  expect(stalled.record.leaseUntilEpochMs).toBeGreaterThan(Date.now()); // else this test came too late to prove anything
  expect(held.code).toBe(1);
  expect(json(held)).toMatchObject({ outcome: 'held', changed: false });
  expect(await recordOf(DIED)).toEqual(stalled.record);
});

test('ops key shows a completed payment, found through the local mode state file alone, as text and as JSON', async () => {
  const payment = (await (await postPayment(liveUrl, 'ops-paid')).json()) as { id: string; charge: string };

  // Real CLI processes, with no DYNAMODB_ENDPOINT or TABLE_NAME: only the state file says where.
  const [text, asJson] = await Promise.all([opsProcess(['key', 'local-dev', 'ops-paid']), opsProcess(['key', 'local-dev', 'ops-paid', '--json'])]);

  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^State\s+COMPLETED$/m);
  expect(text.stdout).toMatch(/^Answer\s+201$/m);
  expect(text.stdout).toMatch(new RegExp(`^Payment\\s+${payment.id} succeeded`, 'm'));
  expect(text.stdout).toMatch(new RegExp(`^Charge\\s+${payment.charge} succeeded`, 'm'));
  expect(text.stderr).toContain(`table ${tableName} of local mode (pid ${live.child.pid})`);
  expect(asJson.code).toBe(0);
  expect(json(asJson)).toMatchObject({
    status: 'COMPLETED',
    claimCount: 1,
    response: { statusCode: 201, body: { id: payment.id } },
    payment: { id: payment.id, charge: payment.charge },
    charge: { id: payment.charge, status: 'succeeded' },
  });
});

test('ops payments lists a tenant newest first, a page at a time', async () => {
  const tenant = `shop-${randomUUID()}`;
  const made = [];
  for (const [i, amount] of [100, 200, 300].entries()) {
    if (i > 0) await nextSecond();
    made.push(await pay(liveUrl, tenant, `order-${i}`, amount));
  }

  const [first, all] = await Promise.all([ops(['payments', tenant, '--limit', '2', '--json']), ops(['payments', tenant])]);
  const rest = await ops(['payments', tenant, '--starting-after', made[1]!.id, '--json']);

  expect(json(first).data.map((p: { id: string }) => p.id)).toEqual([made[2]!.id, made[1]!.id]);
  expect(json(first).has_more).toBe(true);
  expect(json(rest)).toMatchObject({ data: [{ id: made[0]!.id, amount: 100 }], has_more: false });
  const lines = all.stdout.split('\n');
  expect(lines[0]).toMatch(/^ID\s+CREATED\s+AMOUNT/);
  expect(lines.slice(1, 4).map((line) => line.split(/\s+/)[0])).toEqual([made[2]!.id, made[1]!.id, made[0]!.id]);
  expect(lines[1]).toContain(`${new Date(made[2]!.created * 1000).toISOString()}  300 usd`);
  expect(all.stdout).toContain('3 shown, no more');
});

test('a payment whose holder died after charging: stalled lists it, recover finishes it with the same charge', async () => {
  const { record, charge } = stalled;
  await sleep(Math.max(0, record.leaseUntilEpochMs - Date.now()) + 50);

  const [text, listing] = await Promise.all([ops(['stalled']), ops(['stalled', '--json'])]);
  const line = text.stdout.split('\n').find((l) => l.includes(DIED));
  expect(line).toMatch(new RegExp(`^due\\s+local-dev\\s+${DIED}\\s+${record.executionId}\\s+[\\d.]+ (ms|s) ago\\s+0\\s+-\\s+next sweep$`));
  expect(json(listing).due).toEqual([expect.objectContaining({ tenant: 'local-dev', key: DIED, executionId: record.executionId, attempts: 0 })]);

  // The re-drive through a real CLI process, which finds local mode by its state file.
  const recovered = await opsProcess(['recover', 'local-dev', DIED]);
  expect(recovered.code).toBe(0);
  expect(recovered.stdout).toContain(`Recovered: the re-drive answered 201 and the record is COMPLETED.`);
  expect(recovered.stdout).toContain(`charge ${charge.id}`);

  const [after, sweep, sweepText, nothing] = await Promise.all([ops(['key', 'local-dev', DIED, '--json']), ops(['recover', '--json']), ops(['recover']), ops(['stalled'])]);
  expect(json(after)).toMatchObject({ status: 'COMPLETED', executionId: record.executionId, claimCount: 2, payment: { charge: charge.id }, charge: { id: charge.id } });
  expect((await readTable(client, tableName)).charges.filter((c) => c.metadata.idempotencyKey === DIED)).toEqual([charge]);
  expect(json(sweep)).toEqual({ due: 0, recovered: 0, failed: 0, needsAttention: 0, skipped: 0, needsAttentionStanding: 0 });
  expect(sweepText.stdout).toContain('nothing due');
  expect(nothing.stdout.trim()).toBe('nothing stalled');
});

test('an unknown key, no database to talk to, or a bad option: exit 1 and a message on stderr', async () => {
  const nowhere = join(tempDir, 'gone.json');
  writeState(nowhere, { pid: 2 ** 22 + 1, url: 'http://127.0.0.1:1', dynamoDbEndpoint: 'http://127.0.0.1:1', tableName, recoveryIntervalSeconds: 10 }); // above any pid_max: a dead local mode
  const [unknown, noDatabase, usage] = await Promise.all([
    opsProcess(['key', 'local-dev', 'never-used']),
    ops(['stalled'], throughStateFile(nowhere)),
    ops(['payments', 'local-dev', '--limit', 'lots']),
  ]);

  expect(unknown).toMatchObject({ code: 1, stdout: '' });
  expect(unknown.stderr).toContain('No record for this tenant and key');
  expect(noDatabase).toMatchObject({ code: 1, stdout: '' });
  expect(noDatabase.stderr).toMatch(/local mode is not running.*npm start.*DYNAMODB_ENDPOINT.*TABLE_NAME/s);
  expect(usage).toMatchObject({ code: 1, stdout: '' });
  expect(usage.stderr).toContain('--limit must be an integer');
});

test('the CLI prefers an explicit endpoint, then an explicit table, then a live local mode', () => {
  expect(locateDatabase({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', LOCAL_STATE_FILE: liveStateFile })).toMatchObject({
    kind: 'endpoint',
    tableName: 'idempotent-payments',
  });
  expect(locateDatabase({ TABLE_NAME: 'prod-table', LOCAL_STATE_FILE: liveStateFile })).toEqual({ kind: 'aws', tableName: 'prod-table' });
  expect(locateDatabase({ LOCAL_STATE_FILE: liveStateFile })).toMatchObject({ kind: 'local-mode', endpoint, tableName, pid: live.child.pid });
});
