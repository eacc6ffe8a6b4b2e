import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError, configFromEnv } from '../lambda/payments/config';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoSecretKeyStore, prepareLocalKeys, type SecretKeyLookup } from '../lambda/auth';
import { createPaymentsApp } from '../lambda/payments/app';
import { createRecoverySweep } from '../lambda/recovery/sweep';
import { createTelemetry, Service, terminalLog } from '../lambda/observability';
import { createStripeWebhookHandler } from '../lambda/stripe/webhook';
import type { Context } from 'aws-lambda';
import { banner } from './banner';
import { createLocalDemo } from './demo';
import { commandLine, ensureTable, localDynamoDbClient, startDynamoDbLocal, type RunningDynamoDb } from './dynamodb-local';
import type { LambdaHandler } from './lambda-runtime';
import { createLocalServer } from './server';
import { type LocalSettings, localSettingsFromEnv, USAGE } from './settings';
import { removeState, writeState } from './state-file';

// Node 20 is what this repo supports; the SDK's warning about it is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Everything that has to be undone on the way out, in reverse order of creation. */
const cleanups: Array<() => Promise<void>> = [];
let stopping = false;

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolveListen, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new Error(`port ${port} on ${host} is already in use (another npm start?); choose another, e.g. PORT=${port + 1} npm start`));
      } else if (error.code === 'EACCES') {
        reject(new Error(`not allowed to listen on port ${port} on ${host}; choose a port above 1023`));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(new Error(`cannot listen on HOST=${host}: no such local address`));
      } else reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolveListen(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    server.closeIdleConnections();
    // Requests still in flight get a moment to finish; then their connections are cut.
    setTimeout(() => server.closeAllConnections(), 1_000).unref();
  });
}

/** How often local mode checks that the tsx process that started it is still there. */
const PARENT_CHECK_INTERVAL_MS = 500;

/**
 * `npm start` runs this file in one node process (`node --import tsx`). Started by the tsx CLI
 * instead (`npx tsx local/main.ts`), it has a second node process above it that passes on SIGINT
 * and SIGTERM (and SIGKILLs it when it does not answer within 30 ms, as on a loaded machine) but
 * cannot pass on a SIGKILL of its own. When that process dies, local mode stops too, instead of
 * serving on, orphaned, with the port and the data folder held.
 */
function stopWhenTsxParentDies(): void {
  const parentPid = process.ppid;
  const startedByTsx = (commandLine(parentPid) ?? []).some((arg) => /[\\/]tsx$|[\\/]tsx[\\/]dist[\\/]cli\.m?js$/.test(arg));
  if (!startedByTsx) return;
  const timer = setInterval(() => {
    if (process.ppid === parentPid) return;
    clearInterval(timer);
    console.error(`The tsx process that started local mode (pid ${parentPid}) is gone; stopping.`);
    void shutdown(1);
  }, PARENT_CHECK_INTERVAL_MS);
  timer.unref();
}

function displayUrl({ address, port, family }: AddressInfo): string {
  const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
  return family === 'IPv6' && host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

async function main(): Promise<void> {
  const startedEpochMs = Date.now();
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  stopWhenTsxParentDies();
  const settings = localSettingsFromEnv(process.env, process.argv.slice(2));
  const config = configFromEnv(process.env);

  // Listen before starting Java, so a port in use is reported in milliseconds. Requests that
  // arrive during the few seconds DynamoDB Local takes wait for the handler.
  let provideHandler!: (handler: LambdaHandler) => void;
  const handlerReady = new Promise<LambdaHandler>((resolveHandler) => (provideHandler = resolveHandler));
  let provideWebhookHandler!: (handler: LambdaHandler) => void;
  const webhookHandlerReady = new Promise<LambdaHandler>((resolveHandler) => (provideWebhookHandler = resolveHandler));
  let provideKeys!: (keys: SecretKeyLookup) => void;
  const keysReady = new Promise<SecretKeyLookup>((resolveKeys) => (provideKeys = resolveKeys));
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  // The checkout page at /demo; its fault switches touch the demo's own orders, nothing else.
  const demo = createLocalDemo({ functionTimeoutSeconds: settings.functionTimeoutSeconds, log });
  const server = createLocalServer({
    handler: async (event, context) => (await handlerReady)(event, context),
    keys: { get: async (keyId) => (await keysReady).get(keyId) },
    // Stripe's webhooks are served when Stripe charges: the signing secret comes with its settings.
    ...(config.stripe ? { webhookHandler: async (event: unknown, context: Context) => (await webhookHandlerReady)(event, context) } : {}),
    functionTimeoutSeconds: settings.functionTimeoutSeconds,
    log,
    demo,
  });
  const address = await listen(server, settings.port, settings.host);
  cleanups.push(() => closeServer(server));

  let dynamo: RunningDynamoDb | undefined;
  let dataDir: string | undefined;
  if (!settings.dynamoDbEndpoint) {
    dataDir = settings.inMemory ? undefined : resolve(settings.dataDir);
    console.log(`Starting DynamoDB Local (${dataDir ? `data in ${dataDir}` : 'in memory'})...`);
    dynamo = await startDynamoDbLocal({ dataDir });
    cleanups.push(() => dynamo!.stop());
    if (dynamo.stoppedStalePid !== undefined) {
      console.log(`Stopped DynamoDB Local (java pid ${dynamo.stoppedStalePid}) left running on this data folder by a local mode that is gone.`);
    }
    void dynamo.exited.then(async (code) => {
      // Ctrl-C reaches java too (same process group); give our own SIGINT handler time to run first.
      await new Promise((r) => setTimeout(r, 500));
      if (stopping) return;
      const how = code === null ? 'was killed' : `exited with code ${code}`;
      console.error(`DynamoDB Local ${how} unexpectedly; stopping local mode.`);
      void shutdown(1);
    });
  }
  const endpoint = settings.dynamoDbEndpoint ?? dynamo!.endpoint;
  // The same lines as in AWS: readable on a terminal, JSON when piped. Requests run concurrently here.
  const telemetryLog = terminalLog(process.stdout, { color: !process.env.NO_COLOR });
  const telemetry = createTelemetry({ service: Service.Payments, log: telemetryLog });
  const recoveryTelemetry = createTelemetry({ service: Service.Recovery, log: telemetryLog });
  const webhookTelemetry = createTelemetry({ service: Service.Webhooks, log: telemetryLog });
  const client: DynamoDBClient = telemetry.instrumentClient(localDynamoDbClient(endpoint));
  cleanups.push(async () => client.destroy());
  let tableStatus: 'created' | 'existing';
  try {
    tableStatus = await ensureTable(client, config.tableName);
  } catch (error) {
    throw new Error(`could not create table ${config.tableName} at ${endpoint}: ${(error as Error).message}`, { cause: error });
  }

  // The keys get a client of their own, outside the function's telemetry: in AWS the authorizer
  // is another function, and its reads are none of the payments function's.
  const keyClient = DynamoDBDocumentClient.from(localDynamoDbClient(endpoint));
  cleanups.push(async () => keyClient.destroy());
  const keyStore = new DynamoSecretKeyStore(keyClient, config.tableName);
  const keys = await prepareLocalKeys(keyStore, settings.apiKeys, Date.now());
  provideKeys(keyStore);

  const processor = demo.processor(config, client);
  const app = createPaymentsApp({ client, config, telemetry, ...(processor ? { processor } : {}) });
  demo.attach({ client, tableName: config.tableName, simulated: processor !== undefined, keys: keyStore });
  // Before the key client and DynamoDB Local go (cleanups run in reverse): the demo page's key is revoked.
  cleanups.push(() => demo.stop());
  provideHandler(telemetry.wrapHandler(app.handler));
  if (config.stripe) provideWebhookHandler(webhookTelemetry.wrapHandler(createStripeWebhookHandler({ client, config, hooks: webhookTelemetry.hooks })));
  const intervalMs = settings.recoveryIntervalSeconds * 1000;
  const redrive = recoveryTelemetry.wrapRedrive(demo.watchRedrive(app.redrive));
  const sweep = createRecoverySweep({ app: { redrive }, documentClient: DynamoDBDocumentClient.from(client), config, intervalMs, log: recoveryTelemetry.recoveryLog });
  startRecovery(settings, recoveryTelemetry.wrapRecovery(sweep, { logIdleSweeps: false }));
  writeState(settings.stateFile, {
    pid: process.pid,
    url: displayUrl(address),
    dynamoDbEndpoint: endpoint,
    tableName: config.tableName,
    recoveryIntervalSeconds: settings.recoveryIntervalSeconds,
  });
  cleanups.push(async () => removeState(settings.stateFile, process.pid));
  console.log(
    banner({
      url: displayUrl(address),
      pid: process.pid,
      settings,
      config,
      dynamoDbEndpoint: endpoint,
      javaPid: dynamo?.pid,
      dataDir,
      tableStatus,
      keys,
      startupMs: Date.now() - startedEpochMs,
    }),
  );
}

/**
 * Sweeps for in-progress payments whose holder died, every RECOVERY_INTERVAL_SECONDS, one sweep
 * at a time; a line is logged only when a sweep did something.
 */
function startRecovery(settings: LocalSettings, sweep: ReturnType<typeof createRecoverySweep>): void {
  if (settings.recoveryIntervalSeconds === 0) return;
  let running = false;
  const timer = setInterval(async () => {
    if (running || stopping) return;
    running = true;
    try {
      const { recovered, failed, needsAttention } = await sweep();
      if (recovered + failed + needsAttention > 0) {
        console.log(`${new Date().toISOString()} recovery: ${recovered} recovered, ${failed} failed (retried later), ${needsAttention} need attention`);
      }
    } catch (error) {
      console.error(`${new Date().toISOString()} recovery sweep failed: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  }, settings.recoveryIntervalSeconds * 1000);
  cleanups.push(async () => clearInterval(timer));
}

async function shutdown(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error(`while stopping: ${(error as Error).message}`);
    }
  }
  process.exit(exitCode);
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    // A second Ctrl-C: stop waiting. The exit hook in dynamodb-local still kills java.
    process.exit(130);
  }
  console.log(`\n${signal} received: stopping the server and DynamoDB Local...`);
  void shutdown(0);
}

// The terminal or pipe local mode writes to can go away (the parent that read it was killed). A
// write then fails with EPIPE, emitted on the stream; unhandled, it became an uncaughtException
// whose own message failed the same way, a loop that spun a core forever. Nobody reads any more:
// stop, with DynamoDB Local.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => void shutdown(1));
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('uncaughtException', (error) => {
  console.error(`local mode crashed: ${error.stack ?? error.message}`);
  void shutdown(1);
});
process.on('unhandledRejection', (reason) => {
  console.error(`local mode crashed: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  void shutdown(1);
});

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `configuration error: ${error.message}` : `could not start local mode: ${(error as Error).message}`;
  console.error(message);
  void shutdown(1);
});
