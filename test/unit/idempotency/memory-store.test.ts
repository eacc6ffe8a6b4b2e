import { LeaseLostError } from '../../../lambda/idempotency/errors';
import { MemoryIdempotencyStore } from '../../../lambda/idempotency/memory-store';
import { RecordStatus } from '../../../lambda/idempotency/record';
import type { ClaimOutcome, ClaimRequest } from '../../../lambda/idempotency/store';

const T0 = 1_800_000_000_000;
const RESPONSE = { statusCode: 201, headers: {}, body: 'ok' };
const request = (overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
  tenant: 't',
  key: 'k',
  fingerprint: 'f',
  nowMs: T0,
  leaseUntilEpochMs: T0 + 10_000,
  ...overrides,
});
const claimed = (outcome: ClaimOutcome) => {
  if (outcome.kind !== 'claimed') throw new Error(`expected a claim, got ${outcome.kind}`);
  return outcome;
};

describe('in-memory idempotency store: the DynamoDB store semantics, in a Map', () => {
  test('a second claim while the lease runs gets the record; after the lease lapses it takes over, same execution id', async () => {
    const store = new MemoryIdempotencyStore({ ttlSeconds: 60 });
    const first = claimed(await store.claim(request()));

    expect(await store.claim(request({ nowMs: T0 + 9_999 }))).toMatchObject({ kind: 'existing', record: { leaseToken: first.record.leaseToken } });
    const takeover = claimed(await store.claim(request({ nowMs: T0 + 10_000, leaseUntilEpochMs: T0 + 20_000 })));
    expect(takeover).toMatchObject({ takeover: true, record: { executionId: first.record.executionId, claimCount: 2, leasedAtEpochMs: T0 + 10_000 } });
    expect(takeover.record.leaseToken).not.toBe(first.record.leaseToken);
  });

  test('a different request never takes over, however long the lease has lapsed', async () => {
    const store = new MemoryIdempotencyStore({ ttlSeconds: 60 });
    await store.claim(request());
    expect(await store.claim(request({ fingerprint: 'other', nowMs: T0 + 3_600_000 }))).toMatchObject({ kind: 'existing' });
  });

  test('completion and release are fenced: the old holder gets LeaseLostError with the current record', async () => {
    const store = new MemoryIdempotencyStore({ ttlSeconds: 60 });
    const zombie = claimed(await store.claim(request())).record;
    const holder = claimed(await store.claim(request({ nowMs: T0 + 10_000, leaseUntilEpochMs: T0 + 20_000 }))).record;

    const lost = await store.complete(zombie, RESPONSE, [], T0 + 11_000).catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(LeaseLostError);
    expect((lost as LeaseLostError).current).toMatchObject({ status: RecordStatus.InProgress, leaseToken: holder.leaseToken });
    await expect(store.release(zombie, T0 + 11_000)).rejects.toBeInstanceOf(LeaseLostError);
    expect(store.get('t', 'k')).toMatchObject({ leaseToken: holder.leaseToken, leaseUntilEpochMs: T0 + 20_000 });
  });

  test('retention counts from completion; only then is the key a new request', async () => {
    const store = new MemoryIdempotencyStore({ ttlSeconds: 60 });
    const first = claimed(await store.claim(request())).record;
    await store.complete(first, RESPONSE, [], T0 + 5_000);

    expect(store.get('t', 'k')).toMatchObject({ expiresAtEpochSeconds: T0 / 1000 + 65 });
    expect(await store.claim(request({ nowMs: T0 + 64_999 }))).toMatchObject({ kind: 'existing', record: { response: RESPONSE } });
    const fresh = claimed(await store.claim(request({ nowMs: T0 + 65_000, fingerprint: 'new' })));
    expect(fresh).toMatchObject({ takeover: false, record: { status: RecordStatus.InProgress, fingerprint: 'new', claimCount: 1 } });
    expect(fresh.record.executionId).not.toBe(first.executionId);
  });

  test('an attachment is kept on the record; with retainForever it never expires; it may not reuse a record attribute', async () => {
    const store = new MemoryIdempotencyStore({ ttlSeconds: 60 });
    const record = claimed(await store.claim(request())).record;
    await expect(store.complete(record, RESPONSE, [], T0, { attributes: { status: 'x' } })).rejects.toThrow('one of the record');
    await store.complete(record, RESPONSE, [], T0, { attributes: { payment: { id: 'p' } }, retainForever: true });

    expect(store.get('t', 'k')).toMatchObject({ status: RecordStatus.Completed, payment: { id: 'p' } });
    expect(store.get('t', 'k')!.expiresAtEpochSeconds).toBeUndefined();
    expect(await store.claim(request({ nowMs: T0 + 10 * 365 * 86_400_000 }))).toMatchObject({ kind: 'existing' });
  });

  test('what it returns is a copy: changing it changes nothing stored', async () => {
    const store = new MemoryIdempotencyStore({ ttlSeconds: 60 });
    const record = claimed(await store.claim(request())).record;
    record.leaseToken = 'forged';
    await expect(store.release(record, T0)).rejects.toBeInstanceOf(LeaseLostError);
  });
});
