import middy from '@middy/core';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { DynamoDbIdempotencyStore } from '../../../lambda/idempotency/dynamodb-store';
import { requestFingerprint } from '../../../lambda/idempotency/fingerprint';
import { errorResponse, type HttpRequest, type HttpResponse } from '../../../lambda/idempotency/http';
import { DEFAULT_LEASE_MARGIN_MS, idempotency, REPLAYED_HEADER } from '../../../lambda/idempotency/middleware';
import { ReplayCache } from '../../../lambda/idempotency/replay-cache';
import { TableSchema } from '../../../lambda/shared/table';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { readTable } from '../../helpers/table-contents';
import { gate } from '../../helpers/gate';

// Bugs the peers shipped, each as the behaviour that rules it out here, against DynamoDB Local.
const T0 = 1_800_000_000_000;
const LEASE_MS = 10_000;

describe('regressions of known bugs in peer idempotency libraries', () => {
  let table: TestTable;
  let store: DynamoDbIdempotencyStore;
  let clock: number;
  let executions: number;
  let behaviour: (event: HttpRequest) => Promise<HttpResponse>;
  let remainingMs: number;
  let cache: ReplayCache | undefined;
  let invoke: (overrides?: Partial<HttpRequest>) => Promise<HttpResponse>;

  const event = (overrides: Partial<HttpRequest> = {}): HttpRequest => ({
    method: 'POST',
    path: '/payments',
    headers: { 'idempotency-key': 'k-1', 'content-type': 'application/json' },
    pathParameters: {},
    body: '{"amount":100}',
    tenant: 't',
    ...overrides,
  });
  /** The record's item as DynamoDB holds it, every attribute. */
  const rawItem = async (tenant = 't', key = 'k-1') => {
    const { Item } = await table.client.send(
      new GetItemCommand({ TableName: table.tableName, Key: { [TableSchema.partitionKey]: { S: store.recordKey(tenant, key) } }, ConsistentRead: true }),
    );
    return Item && unmarshall(Item);
  };
  const waitForClaim = async () => {
    for (let i = 0; i < 200 && executions === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(executions).toBe(1);
  };

  beforeEach(async () => {
    table = await createTestTable('peer');
    store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(table.client), tableName: table.tableName, ttlSeconds: 3600 });
    clock = T0;
    executions = 0;
    remainingMs = LEASE_MS;
    cache = undefined;
    behaviour = async () => ({ statusCode: 201, headers: {}, body: `run ${executions}` });
    invoke = (overrides = {}) => {
      const handler = middy<HttpRequest, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
        .use(idempotency({ store, now: () => clock, cache }))
        .handler(async (request) => {
          executions += 1;
          return behaviour(request);
        });
      return handler(event(overrides), { getRemainingTimeInMillis: () => remainingMs } as Context).catch((error: unknown) =>
        errorResponse(error, { log: () => {} }),
      );
    };
  });
  afterEach(() => table.drop());

  /** The first request, claimed and held inside its handler until the test opens `running`. */
  async function startHeldRequest() {
    const running = gate();
    behaviour = async () => {
      await running.opened;
      return { statusCode: 201, headers: {}, body: 'first' };
    };
    const first = invoke();
    await waitForClaim();
    return { running, first };
  }

  describe('Powertools TS #5675: a rejected request never deletes or alters the record that refused it', () => {
    test("a 409 duplicate and a 422 mismatch leave a running request's record exactly as it was", async () => {
      const { running, first } = await startHeldRequest();
      const before = await rawItem();

      const duplicate = await invoke();
      const mismatch = await invoke({ body: '{"amount":999}' });

      expect(duplicate.statusCode).toBe(409);
      expect(mismatch.statusCode).toBe(422);
      expect(await rawItem()).toEqual(before);
      running.open();
      expect(await first).toMatchObject({ statusCode: 201, body: 'first' });
      expect(executions).toBe(1);
    });

    test('a 422 on a lapsed lease neither takes the record over nor releases it', async () => {
      const stalled = gate(); // the holder outlives its lease
      behaviour = () => stalled.opened.then(() => ({ statusCode: 201, headers: {}, body: 'late' }));
      const first = invoke();
      await waitForClaim();
      const before = await rawItem();
      clock += LEASE_MS + DEFAULT_LEASE_MARGIN_MS + 1;

      const mismatch = await invoke({ body: '{"amount":999}' });

      expect(mismatch.statusCode).toBe(422);
      expect(await rawItem()).toEqual(before);
      stalled.open();
      expect(await first).toMatchObject({ statusCode: 201, body: 'late' }); // its lease was never taken: it still completes
    });

    test("a 422 on a completed record leaves the result, its retention and its token untouched", async () => {
      await invoke();
      const before = await rawItem();
      clock += 1_000;

      const mismatch = await invoke({ body: '{"amount":999}' });

      expect(mismatch.statusCode).toBe(422);
      expect(await rawItem()).toEqual(before);
      expect(await invoke()).toMatchObject({ statusCode: 201, body: 'run 1', headers: { [REPLAYED_HEADER]: 'true' } });
    });
  });

  describe('Powertools TS #5715: a handler that changes its input cannot change the key or fingerprint it completes', () => {
    test('body, parsed body and headers changed by the handler: the record keeps the original request, and its retry replays', async () => {
      behaviour = async (request) => {
        request.body = '{"amount":1}';
        (request.parsedBody as { amount: number }).amount = 1;
        request.headers['idempotency-key'] = 'k-2';
        delete request.headers['content-type'];
        request.path = '/elsewhere';
        return { statusCode: 201, headers: {}, body: 'charged 100' };
      };
      const parsedBody = { amount: 100 };
      const first = await invoke({ parsedBody });
      const { records } = await readTable(table.client, table.tableName);

      expect(first.statusCode).toBe(201);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        status: 'COMPLETED',
        tenant: 't',
        idempotencyKey: 'k-1',
        fingerprint: requestFingerprint('POST', '/payments', JSON.stringify({ amount: 100 })),
        [TableSchema.partitionKey]: store.recordKey('t', 'k-1'),
      });
      const retry = await invoke({ parsedBody: { amount: 100 } });
      expect(retry).toMatchObject({ statusCode: 201, body: 'charged 100', headers: { [REPLAYED_HEADER]: 'true' } });
      expect(executions).toBe(1);
    });

    test("a handler that changes the event's tenant cannot file its result under another tenant, even in the warm cache", async () => {
      cache = new ReplayCache();
      behaviour = async (request) => {
        request.tenant = 'mallory';
        return { statusCode: 201, headers: {}, body: "t's payment" };
      };
      await invoke();
      behaviour = async () => ({ statusCode: 201, headers: {}, body: "mallory's payment" });

      const otherTenant = await invoke({ tenant: 'mallory' });
      const sameTenant = await invoke();

      expect(otherTenant).toMatchObject({ statusCode: 201, body: "mallory's payment" });
      expect(otherTenant.headers[REPLAYED_HEADER]).toBeUndefined();
      expect(sameTenant).toMatchObject({ body: "t's payment", headers: { [REPLAYED_HEADER]: 'true' } });
      expect(executions).toBe(2);
    });
  });

  describe('Powertools Python #4759: no remaining time still gives a lease', () => {
    test('getRemainingTimeInMillis() of 0: the lease ends after the margin, and a concurrent duplicate gets a 409, not a takeover', async () => {
      remainingMs = 0;
      const { running, first } = await startHeldRequest();
      const claimed = await rawItem();

      expect(claimed!.leaseUntilEpochMs).toBeGreaterThan(T0);
      expect(claimed!.leaseUntilEpochMs).toBe(T0 + DEFAULT_LEASE_MARGIN_MS);
      const duplicate = await invoke();
      expect(duplicate.statusCode).toBe(409);
      expect(duplicate.headers['Retry-After']).toBe('1');
      expect(await rawItem()).toEqual(claimed); // no takeover: same token, claimCount 1
      running.open();
      expect(await first).toMatchObject({ statusCode: 201, body: 'first' });
      expect(executions).toBe(1);
    });

    test("with middy's early timeout left on, a remaining time of 0 abandons the handler but keeps its lease: a duplicate gets a 409", async () => {
      const running = gate();
      const handler = middy<HttpRequest, HttpResponse, Error, Context>() // timeoutEarlyInMillis: 5, middy's default
        .use(idempotency({ store, now: () => clock }))
        .handler(async () => {
          executions += 1;
          await running.opened; // middy stops waiting; this goes on running
          return { statusCode: 201, headers: {}, body: 'first' };
        });
      const call = (request: HttpRequest) =>
        handler(request, { getRemainingTimeInMillis: () => 0 } as Context).catch((error: unknown) => errorResponse(error, { log: () => {} }));

      const abandoned = await call(event());
      const claimed = await rawItem();
      const duplicate = await call(event());

      expect(abandoned.statusCode).toBe(500); // middy's TimeoutError
      expect(claimed).toMatchObject({ status: 'IN_PROGRESS', leaseUntilEpochMs: T0 + DEFAULT_LEASE_MARGIN_MS });
      expect(duplicate.statusCode).toBe(409);
      expect(await rawItem()).toEqual(claimed);
      expect(executions).toBe(1);
      running.open();
    });
  });
});
