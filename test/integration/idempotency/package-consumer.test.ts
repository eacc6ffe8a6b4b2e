import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { PACKAGE_DIR, REPO_ROOT, run, withBuiltPackage } from './package-build';

/**
 * The package as a stranger gets it: `npm pack`ed, installed into a project outside this repo,
 * compiled by that project's strict tsc and run by plain node against DynamoDB Local.
 *
 * Offline install: the tarball is extracted into node_modules (what npm does with it), and each
 * package its manifest names as a dependency or peer is linked from this repo's node_modules,
 * with the versions the repo tests against. `npm install --offline` would need every transitive
 * package of the AWS SDK (about a hundred) in npm's cache, which only holds if the cache outlived
 * the repo's own install; linking needs no cache and no network, and takes milliseconds. Node
 * resolves a link to its real path, so the peers find their own dependencies in the repo while
 * the extracted package finds only what the project installed: an undeclared dependency fails.
 */

const PACKAGE_NAME = '@idempotent-payments/idempotency';

// The consumer's Lambda code: it imports nothing of this repo but the package's two entries.
const HANDLER = `
import middy from '@middy/core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, SQSRecord } from 'aws-lambda';
import { type Context, getIdempotency, type HttpRequest, type HttpResponse, httpEvents, idempotency, idempotentSqsRecords, jsonResponse } from '${PACKAGE_NAME}';
import { DynamoDbIdempotencyStore } from '${PACKAGE_NAME}/dynamodb';

const client = new DynamoDBClient({
  endpoint: process.env.DYNAMODB_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(client), tableName: process.env.TABLE_NAME!, ttlSeconds: 3600 });

export const runs = { http: 0, sqs: [] as string[] };

/** Holds the next request whose sku is "slow" until released: a duplicate meets it in progress. */
function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve: () => resolve() };
}
export const slow = { started: deferred(), release: deferred() };

const chain = middy<HttpRequest, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
  .use(httpEvents())
  .use(idempotency({ store }))
  .handler(async (request, context) => {
    runs.http += 1;
    const order = JSON.parse(request.body ?? '{}') as { sku: string };
    if (order.sku === 'slow') {
      slow.started.resolve();
      await slow.release.promise;
    }
    return jsonResponse(201, { orderId: 'ord_' + runs.http, sku: order.sku, executionId: getIdempotency(context).executionId });
  });

// httpEvents makes the HttpRequest the chain is typed with out of the raw event.
export const createOrder = (event: APIGatewayProxyEventV2, context: Context) => chain(event as unknown as HttpRequest, context) as Promise<unknown>;

export const onMessage = idempotentSqsRecords(
  async (record: SQSRecord) => {
    runs.sqs.push(record.messageId);
    const body = JSON.parse(record.body) as { fail?: boolean; n: number };
    if (body.fail) throw new Error('cannot ship ' + record.messageId);
    return { shipped: body.n };
  },
  { store, log: () => {} },
);

export { client };
`;

// Drives the handler the way Lambda would and prints what came back, for the test to check.
const DRIVE = `
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import type { Context } from '${PACKAGE_NAME}';
import { client, createOrder, onMessage, runs, slow } from './handler.js';

const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

function httpApiEvent(key: string, body: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /orders',
    rawPath: '/orders',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    requestContext: {
      accountId: '123456789012', apiId: 'api', domainName: 'api.example.com', domainPrefix: 'api', requestId: 'r', routeKey: 'POST /orders',
      stage: '$default', time: '', timeEpoch: 0,
      http: { method: 'POST', path: '/orders', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

const sqsEvent = (messages: [string, unknown][]): SQSEvent => ({
  Records: messages.map(([messageId, body]) => ({
    messageId, receiptHandle: 'rh', body: JSON.stringify(body), attributes: {} as never, messageAttributes: {}, md5OfBody: '',
    eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:orders', awsRegion: 'us-east-1',
  })),
});

const created = await createOrder(httpApiEvent('key-1', { sku: 'a' }), context);
const replayed = await createOrder(httpApiEvent('key-1', { sku: 'a' }), context);
const holder = createOrder(httpApiEvent('key-2', { sku: 'slow' }), context);
await slow.started.promise;
const inProgress = await createOrder(httpApiEvent('key-2', { sku: 'slow' }), context);
slow.release.resolve();
const held = await holder;
const reused = await createOrder(httpApiEvent('key-1', { sku: 'b' }), context);
const httpRuns = runs.http;

const batch = sqsEvent([['m1', { n: 1 }], ['m2', { n: 2 }], ['m3', { n: 3, fail: true }]]);
const firstDelivery = await onMessage(batch, context);
const sqsRunsAfterFirst = [...runs.sqs];
const redelivery = await onMessage(batch, context);

client.destroy();
console.log(JSON.stringify({ created, replayed, inProgress, held, reused, httpRuns, firstDelivery, sqsRunsAfterFirst, redelivery, sqsRuns: runs.sqs }));
`;

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
interface Outcome {
  created: HttpResult;
  replayed: HttpResult;
  inProgress: HttpResult;
  held: HttpResult;
  reused: HttpResult;
  httpRuns: number;
  firstDelivery: { batchItemFailures: { itemIdentifier: string }[] };
  sqsRunsAfterFirst: string[];
  redelivery: { batchItemFailures: { itemIdentifier: string }[] };
  sqsRuns: string[];
}

/** The bare module names a file loads (require and dynamic import), as written. */
function loadedModules(source: string): string[] {
  return [...source.matchAll(/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g)].map((match) => match[1]!);
}

describe('the packed package in a project of its own', () => {
  let table: TestTable;
  let work: string;
  let packed: string[];
  let manifest: { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
  let outcome: Outcome;

  beforeAll(async () => {
    table = await createTestTable('consumer');
    work = mkdtempSync(join(tmpdir(), 'idempotency-consumer-'));
    const project = join(work, 'project');
    mkdirSync(join(project, 'node_modules/@idempotent-payments'), { recursive: true });

    // Built under the lock, packed before anyone may rebuild; prepack would build again.
    const [pack] = await withBuiltPackage(async () => {
      const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: PACKAGE_DIR });
      return JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    });
    packed = pack!.files.map((file) => file.path).sort();
    const tarball = join(work, pack!.filename);

    await run('tar', ['-xzf', tarball, '-C', work]);
    renameSync(join(work, 'package'), join(project, 'node_modules', PACKAGE_NAME));
    manifest = JSON.parse(readFileSync(join(project, 'node_modules', PACKAGE_NAME, 'package.json'), 'utf8'));

    // What npm would install for `npm install <tarball>`: the dependencies and peers, plus the project's compiler.
    const installed = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {}), 'typescript', '@types/node'];
    const versionOf = (name: string) => (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    for (const name of installed) {
      mkdirSync(dirname(join(project, 'node_modules', name)), { recursive: true });
      symlinkSync(join(REPO_ROOT, 'node_modules', name), join(project, 'node_modules', name), 'dir');
    }
    const peers = Object.keys(manifest.peerDependencies ?? {});
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        dependencies: { [PACKAGE_NAME]: `file:../${pack!.filename}`, ...Object.fromEntries(peers.map((name) => [name, versionOf(name)])) },
        devDependencies: { typescript: versionOf('typescript'), '@types/node': versionOf('@types/node') },
      }),
    );
    writeFileSync(join(project, 'handler.ts'), HANDLER);
    writeFileSync(join(project, 'drive.ts'), DRIVE);
    const compilerOptions = { target: 'ES2022', lib: ['ES2022'], module: 'nodenext', moduleResolution: 'nodenext', strict: true, types: ['node'], skipLibCheck: true, outDir: 'out' };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['handler.ts', 'drive.ts'] }));

    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.', '--pretty', 'false'], { cwd: project }).catch((error: { stdout?: string }) => {
      throw new Error(`the consumer does not compile:\n${error.stdout ?? String(error)}`);
    });
    const { stdout } = await run(process.execPath, ['out/drive.js'], {
      cwd: project,
      env: { ...process.env, DYNAMODB_ENDPOINT: table.endpoint, TABLE_NAME: table.tableName },
    });
    outcome = JSON.parse(stdout.trim().split('\n').at(-1)!) as Outcome;
  }, 120_000);

  afterAll(async () => {
    if (work) rmSync(work, { recursive: true, force: true });
    await table?.drop();
  });

  test('ships only its built JavaScript, declarations, README and manifest', () => {
    expect(packed).toContain('README.md');
    expect(packed).toContain('package.json');
    expect(packed).toContain('dist/index.js');
    expect(packed).toContain('dist/dynamodb.d.ts');
    expect(packed.filter((path) => !/^dist\/[\w-]+\.(js|d\.ts)$/.test(path) && path !== 'README.md' && path !== 'package.json')).toEqual([]);
  });

  test('loads nothing outside itself but node builtins and the packages its manifest declares', () => {
    const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
    const dist = join(work, 'project/node_modules', PACKAGE_NAME, 'dist');
    const modules = readdirSync(dist)
      .filter((name) => name.endsWith('.js'))
      .flatMap((name) => loadedModules(readFileSync(join(dist, name), 'utf8')));
    const outside = modules.filter((name) => {
      if (name.startsWith('./')) return false;
      if (name.startsWith('node:') || builtinModules.includes(name)) return false;
      return !declared.has(name.split('/').slice(0, name.startsWith('@') ? 2 : 1).join('/'));
    });
    expect(modules.length).toBeGreaterThan(0);
    expect(outside).toEqual([]);
  });

  test('an HTTP API event claims the key and gets a 201', () => {
    expect(outcome.created.statusCode).toBe(201);
    expect(JSON.parse(outcome.created.body)).toMatchObject({ orderId: 'ord_1', sku: 'a' });
    expect(outcome.created.headers['Idempotent-Replayed']).toBeUndefined();
  });

  test('the same request again replays the stored answer byte for byte, without running the handler', () => {
    expect(outcome.replayed).toEqual({ ...outcome.created, headers: { ...outcome.created.headers, 'Idempotent-Replayed': 'true' } });
  });

  test('a duplicate while the first is still running gets a 409 with Retry-After; the first then completes', () => {
    expect(outcome.inProgress.statusCode).toBe(409);
    expect(outcome.inProgress.headers['Retry-After']).toMatch(/^\d+$/);
    expect(JSON.parse(outcome.inProgress.body)).toMatchObject({ code: 'request_in_progress', status: 409 });
    expect(outcome.held.statusCode).toBe(201);
    expect(JSON.parse(outcome.held.body)).toMatchObject({ orderId: 'ord_2', sku: 'slow' });
  });

  test('the same key with another body gets a 422', () => {
    expect(outcome.reused.statusCode).toBe(422);
    expect(JSON.parse(outcome.reused.body)).toMatchObject({ code: 'idempotency_key_reused', status: 422 });
    expect(outcome.httpRuns).toBe(2);
  });

  test('an SQS batch runs each record once, reports the failing one, and a redelivery replays the rest', () => {
    expect(outcome.firstDelivery).toEqual({ batchItemFailures: [{ itemIdentifier: 'm3' }] });
    expect(outcome.sqsRunsAfterFirst).toEqual(['m1', 'm2', 'm3']);
    expect(outcome.redelivery).toEqual({ batchItemFailures: [{ itemIdentifier: 'm3' }] });
    // m1 and m2 replayed; only the failed m3 ran again (its key was released).
    expect(outcome.sqsRuns).toEqual(['m1', 'm2', 'm3', 'm3']);
  });
});
