import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LeaseLostError, StoreRejectedError } from '../../../lambda/idempotency/errors';
import { DynamoDbIdempotencyStore } from '../../../lambda/idempotency/dynamodb-store';
import type { IdempotencyRecord } from '../../../lambda/idempotency/record';
import type { ClaimOutcome, ClaimRequest } from '../../../lambda/idempotency/store';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { countRequests } from '../../helpers/request-counter';
import { readTable } from '../../helpers/table-contents';

// Time is passed in explicitly, so leases and retention are exercised without sleeping.
const T0 = 1_900_000_000_000;
const response = { statusCode: 201, headers: {}, body: '{"ok":true}' };
/** The store's private takeover, called directly to test its condition on its own. */
type TakeOver = (existing: IdempotencyRecord, request: ClaimRequest) => Promise<ClaimOutcome>;

describe('DynamoDB idempotency store', () => {
  let table: TestTable;
  let store: DynamoDbIdempotencyStore;
  const claim = (overrides: Partial<ClaimRequest> = {}) =>
    store.claim({ tenant: 't', key: 'k', fingerprint: 'fp', leaseUntilEpochMs: T0 + 10_000, nowMs: T0, ...overrides });
  const claimed = (outcome: ClaimOutcome) => {
    if (outcome.kind !== 'claimed') throw new Error(`expected a claim, got ${outcome.kind}`);
    return outcome.record;
  };
  const records = async () => (await readTable(table.client, table.tableName)).records;

  beforeEach(async () => {
    table = await createTestTable('store');
    store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(table.client), tableName: table.tableName, ttlSeconds: 60 });
  });
  afterEach(() => table.drop());

  test('a claim is one conditional PutItem carrying lease, token, fingerprint and execution id, and no expiry', async () => {
    const requests = countRequests(table.client);
    const record = claimed(await claim());
    expect(requests.counts).toEqual({ PutItem: 1 });
    const [stored] = await records();
    expect(stored).toMatchObject({
      status: 'IN_PROGRESS',
      fingerprint: 'fp',
      executionId: record.executionId,
      leaseToken: record.leaseToken,
      leaseUntilEpochMs: T0 + 10_000,
      leasedAtEpochMs: T0,
    });
    // An in-progress record may stand for a charge: neither TTL nor a claim may ever age it out.
    expect(stored).not.toHaveProperty('expiresAtEpochSeconds');
  });

  test('completion starts retention: the TTL attribute is the completion time plus the retention', async () => {
    const record = claimed(await claim());
    await store.complete(record, response, [], T0 + 5_000);
    expect((await records())[0]).toMatchObject({ status: 'COMPLETED', expiresAtEpochSeconds: (T0 + 5_000) / 1000 + 60 });
  });

  test('a write DynamoDB refuses as invalid is a StoreRejectedError (500, no Retry-After), not an outage', async () => {
    // An item over DynamoDB's 400 KB: the edge refuses such tenants, the store must not call it an outage.
    const rejected = claim({ tenant: 'x'.repeat(410 * 1024) });
    await expect(rejected).rejects.toBeInstanceOf(StoreRejectedError);
    await expect(rejected).rejects.toMatchObject({ status: 500, code: 'store_rejected', headers: {} });
  });

  test('a second claim while the lease is active returns the holder record from the failed condition, with no read', async () => {
    const first = claimed(await claim());
    const requests = countRequests(table.client);
    const second = await claim({ nowMs: T0 + 5_000 });
    expect(second).toMatchObject({ kind: 'existing', record: { leaseToken: first.leaseToken } });
    expect(requests.counts).toEqual({ PutItem: 1 });
  });

  test('a takeover after the lease lapsed keeps the execution id and fences the old holder out of complete and release', async () => {
    const zombie = claimed(await claim());
    const taker = claimed(await claim({ nowMs: T0 + 10_001, leaseUntilEpochMs: T0 + 20_000 }));
    expect(taker.executionId).toBe(zombie.executionId);
    expect(taker.leaseToken).not.toBe(zombie.leaseToken);

    await expect(store.complete(zombie, response, [], T0 + 10_002)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.release(zombie, T0 + 10_002)).rejects.toBeInstanceOf(LeaseLostError);
    const [held] = await records();
    expect(held).toMatchObject({ status: 'IN_PROGRESS', leaseToken: taker.leaseToken, leaseUntilEpochMs: T0 + 20_000, claimCount: 2 });

    await store.complete(taker, response, [], T0 + 10_003);
    await expect(store.release(zombie, T0 + 10_004)).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.complete(zombie, { ...response, body: 'zombie' }, [], T0 + 10_004)).rejects.toBeInstanceOf(LeaseLostError);
    expect((await records())[0]).toMatchObject({ status: 'COMPLETED', response });
  });

  test("the zombie's own transactional writes are rejected with its completion", async () => {
    const zombie = claimed(await claim());
    claimed(await claim({ nowMs: T0 + 10_001, leaseUntilEpochMs: T0 + 20_000 }));
    const extra = { Put: { TableName: table.tableName, Item: { pk: 'payment#zombie', by: 'zombie' } } };
    await expect(store.complete(zombie, response, [extra], T0 + 10_002)).rejects.toBeInstanceOf(LeaseLostError);
    const items = await readTable(table.client, table.tableName);
    expect(items.records).toHaveLength(1);
    expect(items.payments).toEqual([]);
  });

  test("the takeover's own condition refuses a lease that is still running, whatever the caller decided", async () => {
    // claim() decides on the item its failed PutItem returned, so it never asks for this; the
    // condition is the fence should that decision ever be wrong (a stale copy, a bug).
    const holder = claimed(await claim());
    const takeOver = (store as unknown as { takeOver: TakeOver }).takeOver.bind(store);
    const stolen = await takeOver(holder, { tenant: 't', key: 'k', fingerprint: 'fp', nowMs: T0 + 5_000, leaseUntilEpochMs: T0 + 15_000 });
    expect(stolen).toMatchObject({ kind: 'existing', record: { leaseToken: holder.leaseToken, claimCount: 1 } });
    expect((await records())[0]).toMatchObject({ leaseToken: holder.leaseToken, leaseUntilEpochMs: T0 + 10_000, claimCount: 1 });
  });

  test('a released key can be taken over at once by the next claim, keeping its execution id', async () => {
    const first = claimed(await claim());
    await store.release(first, T0 + 100);
    const retry = claimed(await claim({ nowMs: T0 + 101 }));
    expect(retry.executionId).toBe(first.executionId);
  });

  test('a different fingerprint never takes over a lapsed lease', async () => {
    claimed(await claim());
    const other = await claim({ nowMs: T0 + 10_001, fingerprint: 'other' });
    expect(other).toMatchObject({ kind: 'existing', record: { fingerprint: 'fp' } });
  });

  test('a record past retention is a new request (new execution id), but not while its holder can still run', async () => {
    const old = claimed(await claim({ leaseUntilEpochMs: T0 + 120_000 }));
    // Retention (60 s) has ended but the lease (120 s) has not: the holder may still be charging.
    expect((await claim({ nowMs: T0 + 61_000 })).kind).toBe('existing');

    await store.complete(old, response, [], T0 + 1_000);
    const fresh = claimed(await claim({ nowMs: T0 + 61_000, leaseUntilEpochMs: T0 + 71_000 }));
    expect(fresh.executionId).not.toBe(old.executionId);
    expect((await records())[0]).toMatchObject({ status: 'IN_PROGRESS', executionId: fresh.executionId });
  });

  test('a completed record is never claimed within retention', async () => {
    const first = claimed(await claim());
    await store.complete(first, response, [], T0 + 1);
    const later = await claim({ nowMs: T0 + 59_000 });
    expect(later).toMatchObject({ kind: 'existing', record: { status: 'COMPLETED', response } });
  });
});
