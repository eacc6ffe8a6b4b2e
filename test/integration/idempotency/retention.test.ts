import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIdempotencyStore } from '../../../lambda/idempotency/dynamodb-store';
import { LeaseLostError } from '../../../lambda/idempotency/errors';
import type { IdempotencyRecord } from '../../../lambda/idempotency/record';
import type { ClaimOutcome, ClaimRequest } from '../../../lambda/idempotency/store';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { readTable } from '../../helpers/table-contents';

// Retention rules of the SPEC ("Idempotency-Key rules"): an IN_PROGRESS record never becomes a new
// request by age, and a completed result is kept for the retention counted from its completion.
// Time is passed in explicitly (whole seconds, so second-granular expiry has no rounding to argue about).
const T0 = 1_900_000_000_000;
const RETENTION_SECONDS = 60;
const LEASE_MS = 10_000;
const s = (seconds: number) => T0 + seconds * 1000;
const response = { statusCode: 201, headers: { 'Content-Type': 'application/json' }, body: '{"charge":"ch_first"}' };

describe('idempotency store: retention', () => {
  let table: TestTable;
  let store: DynamoDbIdempotencyStore;

  /** A claim of the same request at `atSeconds`, holding a lease of LEASE_MS from then. */
  const claimAt = (atSeconds: number, overrides: Partial<ClaimRequest> = {}) =>
    store.claim({ tenant: 't', key: 'k', fingerprint: 'fp', nowMs: s(atSeconds), leaseUntilEpochMs: s(atSeconds) + LEASE_MS, ...overrides });
  const claimed = (outcome: ClaimOutcome): IdempotencyRecord & { takeover: boolean } => {
    if (outcome.kind !== 'claimed') throw new Error(`expected a claim, got ${outcome.kind} (record ${outcome.record.status})`);
    return { ...outcome.record, takeover: outcome.takeover };
  };
  const stored = async () => {
    const { records } = await readTable(table.client, table.tableName);
    expect(records).toHaveLength(1);
    return records[0]!;
  };

  beforeEach(async () => {
    table = await createTestTable('retention');
    store = new DynamoDbIdempotencyStore({
      documentClient: DynamoDBDocumentClient.from(table.client),
      tableName: table.tableName,
      ttlSeconds: RETENTION_SECONDS,
    });
  });
  afterEach(() => table.drop());

  describe('an IN_PROGRESS record never becomes a new request by age', () => {
    test('an in-progress record past retention is taken over with its execution id, never claimed afresh', async () => {
      // Arrange: the first holder claims, charges (by its execution id) and dies without a word.
      const crashed = claimed(await claimAt(0));

      // Act: the client's retry comes long after retention (counted from the first claim) would have ended.
      const retry = await claimAt(RETENTION_SECONDS + 1);

      // Assert: the same operation goes on (same execution id, so the same charge), fenced by a new token.
      const taker = claimed(retry);
      expect(taker.takeover).toBe(true);
      expect(taker.executionId).toBe(crashed.executionId);
      expect(taker.leaseToken).not.toBe(crashed.leaseToken);
      expect(await stored()).toMatchObject({ status: 'IN_PROGRESS', executionId: crashed.executionId, leaseToken: taker.leaseToken, claimCount: 2 });
    });

    test('a released in-progress record past retention is taken over with its execution id (the 502 retry case)', async () => {
      // Arrange: the handler failed after charging (answer lost) and released the key.
      const failed = claimed(await claimAt(0));
      await store.release(failed, s(1));

      // Act: the retry comes after retention would have ended.
      const retry = claimed(await claimAt(RETENTION_SECONDS * 3));

      // Assert
      expect(retry.takeover).toBe(true);
      expect(retry.executionId).toBe(failed.executionId);
    });

    test('an in-progress record stays the same operation through takeovers spread over many retention periods', async () => {
      // Arrange
      const first = claimed(await claimAt(0));

      // Act: every holder dies; each retry comes more than a retention period after the last.
      const executionIds = [first.executionId];
      for (const at of [RETENTION_SECONDS + 5, 2 * RETENTION_SECONDS + 20, 5 * RETENTION_SECONDS]) {
        executionIds.push(claimed(await claimAt(at)).executionId);
      }

      // Assert
      expect(new Set(executionIds)).toEqual(new Set([first.executionId]));
      expect(await stored()).toMatchObject({ status: 'IN_PROGRESS', executionId: first.executionId, claimCount: 4 });
    });

    test('an in-progress record past retention whose holder may still run is a 409, then taken over with its execution id', async () => {
      // Arrange: a holder with a lease longer than the retention (it is still charging).
      const holder = claimed(await claimAt(0, { leaseUntilEpochMs: s(2 * RETENTION_SECONDS) }));

      // Act
      const whileRunning = await claimAt(RETENTION_SECONDS + 1);
      const afterLapse = await claimAt(2 * RETENTION_SECONDS + 1);

      // Assert
      expect(whileRunning).toMatchObject({ kind: 'existing', record: { status: 'IN_PROGRESS', executionId: holder.executionId } });
      expect(claimed(afterLapse)).toMatchObject({ takeover: true, executionId: holder.executionId });
    });

    test('the holder that lost its lapsed lease to the late retry cannot complete, and the taker can', async () => {
      // Arrange
      const zombie = claimed(await claimAt(0));
      const taker = claimed(await claimAt(RETENTION_SECONDS + 1));

      // Act
      const zombieCompletion = store.complete(zombie, { ...response, body: 'zombie' }, [], s(RETENTION_SECONDS + 2));
      await expect(zombieCompletion).rejects.toBeInstanceOf(LeaseLostError);
      await store.complete(taker, response, [], s(RETENTION_SECONDS + 3));

      // Assert: the next retry replays the taker's answer, under the one execution id.
      const replay = await claimAt(RETENTION_SECONDS + 4);
      expect(replay).toMatchObject({ kind: 'existing', record: { status: 'COMPLETED', executionId: zombie.executionId, response } });
    });
  });

  describe('retention of a completed result counts from its completion', () => {
    test('a claim that completes after its first-claim retention would have ended is replayed to the next retry, not claimed afresh', async () => {
      // Arrange: the first holder dies; a retry takes over just before the first claim's retention
      // would end, and completes after it.
      const first = claimed(await claimAt(0));
      const taker = claimed(await claimAt(RETENTION_SECONDS - 5));
      const completedAtSeconds = RETENTION_SECONDS + 2;
      await store.complete(taker, response, [], s(completedAtSeconds));

      // Act: the client's next retry, well within retention counted from completion.
      const retry = await claimAt(completedAtSeconds + 8);

      // Assert
      expect(retry.kind).toBe('existing');
      expect(retry.record).toMatchObject({ status: 'COMPLETED', executionId: first.executionId, response });
      expect(await stored()).toMatchObject({ status: 'COMPLETED', executionId: first.executionId });
    });

    test('a completed record is replayed until retention counted from completion ends, and only then is the key a new request', async () => {
      // Arrange: completed half-way through what would be the first claim's retention.
      const first = claimed(await claimAt(0));
      const completedAtSeconds = RETENTION_SECONDS / 2;
      await store.complete(first, response, [], s(completedAtSeconds));

      // Act
      const pastFirstClaimRetention = await claimAt(RETENTION_SECONDS + 1);
      const justBeforeEnd = await claimAt(completedAtSeconds + RETENTION_SECONDS - 1);
      const afterEnd = await claimAt(completedAtSeconds + RETENTION_SECONDS + 1);

      // Assert
      expect(pastFirstClaimRetention).toMatchObject({ kind: 'existing', record: { status: 'COMPLETED', executionId: first.executionId, response } });
      expect(justBeforeEnd).toMatchObject({ kind: 'existing', record: { status: 'COMPLETED', executionId: first.executionId, response } });
      const fresh = claimed(afterEnd);
      expect(fresh.takeover).toBe(false);
      expect(fresh.executionId).not.toBe(first.executionId);
      expect(await stored()).toMatchObject({ status: 'IN_PROGRESS', executionId: fresh.executionId });
    });

    test('a completed record carries its expiry (the TTL attribute) counted from completion', async () => {
      // Arrange
      const first = claimed(await claimAt(0));

      // Act
      await store.complete(first, response, [], s(45));

      // Assert: DynamoDB TTL must not delete it before the contract's retention ends.
      expect((await stored()).expiresAtEpochSeconds).toBe(s(45) / 1000 + RETENTION_SECONDS);
    });
  });
});
