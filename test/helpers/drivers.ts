import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createPaymentsApp } from '../../lambda/payments/app';
import { createRecoverySweep } from '../../lambda/recovery/sweep';
import type { RecoverySummary } from '../../lambda/recovery/worker';
import { SimulatedProcessor } from '../../lambda/payments/simulated-processor';
import { type AppConfig, configFromEnv } from '../../lambda/payments/config';
import type { PaymentProcessor } from '../../lambda/payments/processor';
import { createLocalServer } from '../../local/server';
import { createTestTable, type TestTable } from './dynamo';
import { countRequests } from './request-counter';
import { readTable } from './table-contents';
import { TestKeyring, testKeyId } from './test-keys';

/** An answer as a client sees it; header names in lower case. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: any;
}

export interface PostOptions {
  /** Sent as Idempotency-Key when defined. */
  key?: string;
  /** An object is sent as JSON, a string as is. */
  body?: unknown;
  /** @default 'tenant-a' */
  tenant?: string;
  headers?: Record<string, string>;
  /** What the function's context says is left (handler driver only). @default 10000 */
  remainingMs?: number;
}

export type DriverKind = 'handler' | 'http';

export interface Driver {
  kind: DriverKind;
  table: TestTable;
  config: AppConfig;
  requests: ReturnType<typeof countRequests>;
  post(options: PostOptions): Promise<Reply>;
  get(id: string, tenant?: string): Promise<Reply>;
  /** GET /payments with these query parameters. */
  list(query?: Record<string, string>, tenant?: string): Promise<Reply>;
  contents(): ReturnType<typeof readTable>;
  /** A new container: a fresh handler (cold replay cache) over the same table. */
  restart(): void;
  /** One recovery sweep over the table, through this driver's function (its processor and clock). */
  recover(): Promise<RecoverySummary>;
  close(): Promise<void>;
}

export interface DriverOptions {
  config?: Partial<Omit<AppConfig, 'processor'>> & { processor?: Partial<AppConfig['processor']> };
  /** Wraps the simulated processor (to pause or break it); receives the default one. */
  processor?: (simulated: PaymentProcessor) => PaymentProcessor;
  /**
   * The DynamoDB client the function uses (e.g. one with injected faults), pointed at the run's
   * DynamoDB Local; the driver's own reads (`contents`) keep a clean client. The caller destroys it.
   * @default the table's client
   */
  functionClient?: DynamoDBClient;
  /** The function's clock (leases, retention, the simulator's charge times). @default Date.now */
  now?: () => number;
}

export const validPayment = { amount: 1000, currency: 'usd', source: 'tok_visa' };

/**
 * The payments function against a fresh table in the run's DynamoDB Local, reached either by
 * calling the handler with REST API proxy events or over HTTP through local mode's server.
 */
export async function createDriver(kind: DriverKind, options: DriverOptions = {}): Promise<Driver> {
  const table = await createTestTable(`drv-${kind}`);
  const client = options.functionClient ?? table.client;
  const requests = countRequests(client);
  const base = configFromEnv({ TABLE_NAME: table.tableName });
  const { processor: processorConfig, ...rest } = options.config ?? {};
  const config: AppConfig = { ...base, ...rest, tableName: table.tableName, processor: { ...base.processor, ...processorConfig } };
  let processor: PaymentProcessor | undefined;
  if (options.processor) {
    const documentClient = DynamoDBDocumentClient.from(client);
    processor = options.processor(new SimulatedProcessor({ documentClient, tableName: table.tableName, ...config.processor, now: options.now }));
  }
  const now = options.now;
  let app = createPaymentsApp({ client, config, processor, now });
  let handler = app.handler;
  const sweep = () =>
    createRecoverySweep({ app, documentClient: DynamoDBDocumentClient.from(client), config, now, intervalMs: 10_000 })();
  const common = {
    kind,
    table,
    config,
    requests,
    contents: () => readTable(table.client, table.tableName),
    restart: () => {
      app = createPaymentsApp({ client, config, processor, now });
      handler = app.handler;
    },
    recover: () => sweep(),
  };

  if (kind === 'handler') {
    const call = async (event: APIGatewayProxyEvent, remainingMs = 10_000): Promise<Reply> => {
      const context = { getRemainingTimeInMillis: () => remainingMs, awsRequestId: randomUUID() } as unknown as Context;
      const result = (await handler(event, context)) as APIGatewayProxyResult;
      return reply(result.statusCode, Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]), result.body);
    };
    return {
      ...common,
      post: (o) => call(proxyEvent('POST', '/payments', '/payments', {}, o), o.remainingMs),
      get: (id, tenant) => call(proxyEvent('GET', '/payments/{id}', `/payments/${id}`, { id }, { tenant })),
      list: (query = {}, tenant) => {
        const event = proxyEvent('GET', '/payments', '/payments', {}, { tenant });
        if (Object.keys(query).length > 0) {
          event.queryStringParameters = query;
          event.multiValueQueryStringParameters = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]]));
        }
        return call(event);
      },
      close: () => table.drop(),
    };
  }

  // Each tenant's test key is stored on its first request, outside the function's client.
  const keys = new TestKeyring(table.endpoint, table.tableName);
  const server = createLocalServer({ handler: (event, context) => handler(event, context), keys: keys.store });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send = async (method: string, path: string, o: PostOptions): Promise<Reply> => {
    const headers: Record<string, string> = { Authorization: await keys.authorization(o.tenant ?? 'tenant-a'), ...o.headers };
    if (o.key !== undefined) headers['Idempotency-Key'] = o.key;
    const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    if (body !== undefined) headers['Content-Type'] ??= 'application/json';
    const response = await fetch(`${url}${path}`, { method, headers, body });
    return reply(response.status, [...response.headers.entries()], await response.text());
  };
  return {
    ...common,
    post: (o) => send('POST', '/payments', o),
    get: (id, tenant) => send('GET', `/payments/${encodeURIComponent(id)}`, { tenant }),
    list: (query = {}, tenant) => {
      const search = new URLSearchParams(query).toString();
      return send('GET', search ? `/payments?${search}` : '/payments', { tenant });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      keys.close();
      await table.drop();
    },
  };
}

function reply(status: number, headerPairs: [string, string][], text: string): Reply {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers: Object.fromEntries(headerPairs.map(([k, v]) => [k.toLowerCase(), v])), text, json };
}

/** A REST API proxy event as API Gateway sends it once the REQUEST authorizer verified the tenant's key. */
export function proxyEvent(
  method: string,
  resource: string,
  path: string,
  pathParameters: Record<string, string>,
  o: Omit<PostOptions, 'remainingMs'>,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = { ...o.headers };
  if (o.key !== undefined) headers['Idempotency-Key'] = o.key;
  const body = o.body === undefined ? null : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  if (body !== null) headers['Content-Type'] ??= 'application/json';
  return {
    httpMethod: method,
    resource,
    path,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: { authorizer: authorizerContext(o.tenant ?? 'tenant-a') } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** What API Gateway passes on from the authorizer (lambda/auth/authorizer.ts) for the tenant's test key. */
export const authorizerContext = (tenant: string) => ({ tenant, keyId: testKeyId(tenant), principalId: tenant, integrationLatency: 3 });

/** A promise with its resolve and reject, to hold a request at a chosen point. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
