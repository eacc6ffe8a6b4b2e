import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { errorResponse, type HttpRequest, type HttpResponse } from '../../../lambda/idempotency/http';
import { MemoryIdempotencyStore } from '../../../lambda/idempotency/memory-store';
import { getIdempotency, idempotency, type IdempotencyClaim, REPLAYED_HEADER } from '../../../lambda/idempotency/middleware';
import { RecordStatus } from '../../../lambda/idempotency/record';
import { gate } from '../../helpers/gate';

const T0 = 1_800_000_000_000;
const LEASE_MS = 10_000;

describe('idempotency middleware on the in-memory store', () => {
  let clock: number;
  let store: MemoryIdempotencyStore;
  let executions: number;
  let claims: IdempotencyClaim[];
  let behaviour: (event: HttpRequest) => Promise<HttpResponse>;
  let invoke: (body?: string | null, overrides?: Partial<HttpRequest>) => Promise<HttpResponse>;

  beforeEach(() => {
    clock = T0;
    store = new MemoryIdempotencyStore({ ttlSeconds: 3600 });
    executions = 0;
    claims = [];
    behaviour = async () => ({ statusCode: 201, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ n: executions }) });
    const handler = middy<HttpRequest, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
      .use(idempotency({ store, now: () => clock }))
      .handler(async (event, context) => {
        executions += 1;
        claims.push(getIdempotency(context));
        return behaviour(event);
      });
    invoke = (body = '{"amount":100}', overrides = {}) =>
      handler(
        { method: 'POST', path: '/payments', headers: { 'idempotency-key': 'k-1' }, pathParameters: {}, body, tenant: 't', ...overrides },
        { getRemainingTimeInMillis: () => LEASE_MS } as Context,
      ).catch((error: unknown) => errorResponse(error, { log: () => {} }));
  });

  test('the first request runs and completes; a retry replays its response, marked replayed, without running', async () => {
    const first = await invoke();
    clock += 1_000;
    const retry = await invoke();

    expect(first).toMatchObject({ statusCode: 201, body: '{"n":1}' });
    expect(first.headers[REPLAYED_HEADER]).toBeUndefined();
    expect(retry).toEqual({ statusCode: 201, headers: { ...first.headers, [REPLAYED_HEADER]: 'true' }, body: first.body });
    expect(executions).toBe(1);
    expect(store.get('t', 'k-1')).toMatchObject({ status: RecordStatus.Completed, completedAtEpochMs: T0, expiresAtEpochSeconds: T0 / 1000 + 3600 });
  });

  test('a duplicate while the first request runs is a 409 with Retry-After, and does not run', async () => {
    const running = gate();
    behaviour = async () => {
      await running.opened;
      return { statusCode: 201, headers: {}, body: 'done' };
    };
    const first = invoke();
    await new Promise(setImmediate); // the first claims and enters its handler
    const duplicate = await invoke();
    running.open();

    expect(duplicate.statusCode).toBe(409);
    expect(JSON.parse(duplicate.body)).toMatchObject({ code: 'request_in_progress' });
    // No execution finished yet in this container: the 1 s guess, well inside the 10 s lease.
    expect(duplicate.headers['Retry-After']).toBe('1');
    expect(await first).toMatchObject({ statusCode: 201, body: 'done' });
    expect(executions).toBe(1);
  });

  test('the same key with another body is a 422, whether the first is running or completed', async () => {
    await invoke('{"amount":100}');
    const other = await invoke('{"amount":999}');

    expect(other.statusCode).toBe(422);
    expect(JSON.parse(other.body)).toMatchObject({ code: 'idempotency_key_reused' });
    expect(executions).toBe(1);
  });

  test('a thrown error releases the key: the retry runs at once, with the same execution id', async () => {
    behaviour = async () => {
      throw new Error('boom');
    };
    const failed = await invoke();
    expect(failed.statusCode).toBe(500);
    expect(store.get('t', 'k-1')).toMatchObject({ status: RecordStatus.InProgress, leaseUntilEpochMs: T0 });

    behaviour = async () => ({ statusCode: 201, headers: {}, body: 'ok' });
    const retry = await invoke();
    expect(retry).toMatchObject({ statusCode: 201, body: 'ok' });
    expect(claims.map((c) => c.executionId)).toEqual([claims[0]!.executionId, claims[0]!.executionId]);
    expect(store.get('t', 'k-1')).toMatchObject({ status: RecordStatus.Completed, claimCount: 2 });
  });

  test('a returned 5xx is not a result: the key is released and the retry runs again', async () => {
    behaviour = async () => ({ statusCode: 503, headers: {}, body: 'unavailable' });
    const failed = await invoke();
    expect(failed.statusCode).toBe(503);
    expect(store.get('t', 'k-1')).toMatchObject({ status: RecordStatus.InProgress, leaseUntilEpochMs: T0 });

    behaviour = async () => ({ statusCode: 201, headers: {}, body: 'ok' });
    expect(await invoke()).toMatchObject({ statusCode: 201, body: 'ok' });
    expect(executions).toBe(2);
  });

  test('after the lease lapses a retry takes over with the same execution id; the zombie then answers with its result', async () => {
    const zombie = gate();
    behaviour = async () => {
      await zombie.opened;
      return { statusCode: 201, headers: {}, body: 'zombie' };
    };
    const first = invoke();
    await new Promise(setImmediate);
    clock += LEASE_MS + 1_000; // past the lease and its margin

    behaviour = async () => ({ statusCode: 201, headers: {}, body: 'takeover' });
    const retry = await invoke();
    zombie.open();
    const late = await first;

    expect(retry).toMatchObject({ statusCode: 201, body: 'takeover' });
    expect(claims).toHaveLength(2);
    expect(claims[1]!.executionId).toBe(claims[0]!.executionId);
    expect(claims[1]!.firstClaimedAtEpochMs).toBe(T0);
    // The zombie's completion is fenced out: it answers with the record that beat it.
    expect(late).toMatchObject({ statusCode: 201, body: 'takeover', headers: { [REPLAYED_HEADER]: 'true' } });
    expect(store.get('t', 'k-1')).toMatchObject({ claimCount: 2, response: { body: 'takeover' } });
  });

  test('getIdempotency(context) gives the handler its claim; it throws where the middleware did not claim', async () => {
    await invoke();
    const record = store.get('t', 'k-1')!;
    expect(claims[0]).toMatchObject({ tenant: 't', key: 'k-1', executionId: record.executionId, firstClaimedAtEpochMs: T0 });

    await invoke(null, { method: 'GET' }); // not an operation the middleware applies to
    expect(executions).toBe(2);
    expect(claims).toHaveLength(1); // the handler's getIdempotency threw
  });

  test('attachments go on the record; retainForever keeps it without expiry', async () => {
    const handler = middy<HttpRequest, HttpResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
      .use(idempotency({ store, now: () => clock }))
      .handler(async (_event, context) => {
        getIdempotency(context).attachToRecord({ payment: { id: 'p1' } }, { retainForever: true });
        return { statusCode: 201, headers: {}, body: 'kept' };
      });
    await handler({ method: 'POST', path: '/p', headers: { 'idempotency-key': 'kept' }, pathParameters: {}, body: null, tenant: 't' }, {} as Context);

    const record = store.get('t', 'kept')!;
    expect(record).toMatchObject({ status: RecordStatus.Completed, payment: { id: 'p1' } });
    expect(record.expiresAtEpochSeconds).toBeUndefined();
  });
});
