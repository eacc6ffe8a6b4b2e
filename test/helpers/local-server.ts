import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createPaymentsHandler } from '../../lambda/payments/app';
import { configFromEnv, type AppConfig } from '../../lambda/payments/config';
import type { LambdaHandler } from '../../local/lambda-runtime';
import { createLocalServer } from '../../local/server';
import { createTestTable } from './dynamo';
import { TestKeyring } from './test-keys';

export interface LocalServerOptions {
  /** Overrides of the function's configuration; `processor` fields merge with the defaults. */
  config?: Partial<Omit<AppConfig, 'processor'>> & { processor?: Partial<AppConfig['processor']> };
  /** The emulated Lambda timeout in seconds (fractions allowed). @default 10 */
  functionTimeoutSeconds?: number;
  /** Serve this handler instead of the payments function, e.g. to test the emulator itself. */
  handler?: LambdaHandler;
  /** Prefix of the fresh table's name. @default 'local' */
  label?: string;
}

export interface LocalResponse {
  status: number;
  headers: Headers;
  /** The body exactly as received. */
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface RequestOptions {
  /**
   * The tenant whose test key (stored on first use) is sent as `Authorization: Bearer …`; `null`
   * sends none. An Authorization in `headers` is sent instead. @default 'tenant-a'
   */
  tenant?: string | null;
  /** Sent as `Idempotency-Key` when given. */
  idempotencyKey?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as is. */
  body?: unknown;
}

export interface LocalServer {
  /** e.g. `http://127.0.0.1:40123`, no trailing slash. */
  url: string;
  tableName: string;
  /** A client of the table's DynamoDB Local, to inspect what the function stored. */
  client: DynamoDBClient;
  /** The table's secret keys, which the server verifies against (create, revoke, seed). */
  keys: TestKeyring;
  config: AppConfig;
  /** Access and runtime log lines the server wrote (errors with stacks, timeouts). */
  logs: string[];
  /** One HTTP request against the emulated REST API. */
  request(method: string, path: string, options?: RequestOptions): Promise<LocalResponse>;
  /** `POST /payments` with a JSON body. */
  createPayment(idempotencyKey: string | undefined, body: unknown, options?: Omit<RequestOptions, 'body' | 'idempotencyKey'>): Promise<LocalResponse>;
  /** Stops the server, then drops the table. */
  close(): Promise<void>;
}

/**
 * Local mode's server in this process, in front of the payments function (or a given handler),
 * against the run's DynamoDB Local with a fresh table. Listens on a free loopback port.
 */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const table = await createTestTable(options.label ?? 'local');
  const base = configFromEnv({ TABLE_NAME: table.tableName });
  const { processor, ...rest } = options.config ?? {};
  const config: AppConfig = { ...base, ...rest, tableName: table.tableName, processor: { ...base.processor, ...processor } };
  const handler = options.handler ?? createPaymentsHandler({ client: table.client, config });
  const logs: string[] = [];
  const keys = new TestKeyring(table.endpoint, table.tableName);
  const server = createLocalServer({ handler, keys: keys.store, functionTimeoutSeconds: options.functionTimeoutSeconds, log: (line) => logs.push(line) });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (error) {
    keys.close();
    await table.drop();
    throw error;
  }
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const request = async (method: string, path: string, requestOptions: RequestOptions = {}): Promise<LocalResponse> => {
    const headers: Record<string, string> = { ...requestOptions.headers };
    const tenant = requestOptions.tenant === undefined ? 'tenant-a' : requestOptions.tenant;
    const ownAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
    if (tenant !== null && !ownAuthorization) headers.Authorization = await keys.authorization(tenant);
    if (requestOptions.idempotencyKey !== undefined) headers['Idempotency-Key'] = requestOptions.idempotencyKey;
    let body: string | undefined;
    if (typeof requestOptions.body === 'string') body = requestOptions.body;
    else if (requestOptions.body !== undefined) {
      body = JSON.stringify(requestOptions.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };

  return {
    url,
    tableName: table.tableName,
    client: table.client,
    keys,
    config,
    logs,
    request,
    createPayment: (idempotencyKey, body, more = {}) => request('POST', '/payments', { ...more, idempotencyKey, body }),
    async close() {
      try {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      } finally {
        keys.close();
        await table.drop();
      }
    },
  };
}
