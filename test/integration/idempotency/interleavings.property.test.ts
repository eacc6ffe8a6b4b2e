import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIdempotencyStore } from '../../../lambda/idempotency/dynamodb-store';
import { LeaseLostError } from '../../../lambda/idempotency/errors';
import type { IdempotencyRecord } from '../../../lambda/idempotency/record';
import type { HttpResponse } from '../../../lambda/http/types';
import { createTestTable, type TestTable } from '../../helpers/dynamo';

// Acceptance of the retention issue: for random interleavings of claim, crash, lease lapse,
// retention end, retry and completion on one key (short retention, fast clock), the number of
// charges is at most one and the stored answer, once there is one, never changes.
//
// The clock moves in whole seconds, so the second-granular expiry leaves no rounding to argue about.
const RETENTION_SECONDS = 5;
const T0 = 1_900_000_000_000;

type Step =
  /** A new invocation (a client retry, or the first request) claims with a lease of `leaseSeconds`. */
  | { kind: 'start'; leaseSeconds: number }
  | { kind: 'advance'; seconds: number }
  /**
   * Invocation `pick` (modulo the running ones) calls the processor, keyed by its execution id;
   * completes (charging first if it has not); releases (a 5xx); or dies without another write.
   */
  | { kind: 'charge' | 'complete' | 'release' | 'crash'; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('start' as const), leaseSeconds: fc.integer({ min: 1, max: 3 }) }) },
  // 0..8 s: within a lease, past a lease, past the retention, or past both.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 0, max: 8 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('charge' as const), pick: fc.nat(7) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), pick: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('crash' as const), pick: fc.nat(7) }) },
);

interface Invocation {
  name: string;
  record: IdempotencyRecord;
  charged: boolean;
}

/** What the key has answered so far: the stored response, and when its retention (from completion) ends. */
interface Stored {
  response: HttpResponse;
  executionId: string;
  expiresAtMs: number;
}

describe('idempotency store: random interleavings on one key', () => {
  let table: TestTable;
  let store: DynamoDbIdempotencyStore;
  let run = 0;

  beforeAll(async () => {
    table = await createTestTable('interleave');
    store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(table.client), tableName: table.tableName, ttlSeconds: RETENTION_SECONDS });
  });
  afterAll(() => table.drop());

  /**
   * Runs the steps against the real store on a fresh key. A "logical operation" begins with the
   * first claim and ends only when its completed answer's retention (from completion) has ended; a
   * new one may begin then. The processor charges once per execution id, so "charged at most once"
   * means: of the execution ids born in one logical operation, at most one is ever charged.
   */
  async function runSteps(steps: Step[]): Promise<void> {
    const key = `k-${run++}`;
    let nowMs = T0;
    let started = 0;
    let running: Invocation[] = [];
    /** The logical operation each execution id was born in. */
    const operationOf = new Map<string, number>();
    /** Per logical operation, the execution ids the processor has charged. */
    const charges: Set<string>[] = [];
    let stored: Stored | undefined;
    const log: string[] = [];
    const fail = (message: string) => {
      throw new Error(`${message}\nsteps:\n  ${log.join('\n  ')}`);
    };
    const current = () => charges.length - 1;

    for (const s of steps) {
      const at = `t+${(nowMs - T0) / 1000}s`;
      if (s.kind === 'advance') {
        nowMs += s.seconds * 1000;
        log.push(`${at} advance ${s.seconds}s`);
        continue;
      }
      if (s.kind === 'start') {
        const outcome = await store.claim({ tenant: 't', key, fingerprint: 'fp', nowMs, leaseUntilEpochMs: nowMs + s.leaseSeconds * 1000 });
        const storedAlive = stored !== undefined && nowMs < stored.expiresAtMs;
        const how = outcome.kind === 'claimed' ? (outcome.takeover ? 'takeover' : 'fresh claim') : `existing ${outcome.record.status}`;
        log.push(`${at} start inv${started + 1} (lease ${s.leaseSeconds}s) -> ${how}, execution ${outcome.record.executionId.slice(0, 8)}`);
        if (outcome.kind === 'existing') {
          // (ii) A replay is the stored answer, exactly, for as long as it is retained.
          if (outcome.record.status === 'COMPLETED') {
            if (!stored) fail('a COMPLETED record appeared that no invocation of this operation completed');
            if (storedAlive && !isDeepStrictEqual(outcome.record.response, stored!.response)) fail('a replay differs from the stored answer');
          }
          continue;
        }
        if (storedAlive) fail(`the key was claimed while its stored answer had ${(stored!.expiresAtMs - nowMs) / 1000}s of retention left`);
        const { executionId } = outcome.record;
        if (!operationOf.has(executionId)) {
          // A new execution id starts a new logical operation only when the previous one ended with
          // a completed answer whose retention is over; otherwise it is the same operation, re-run.
          if (charges.length === 0 || stored) {
            charges.push(new Set());
            stored = undefined;
          }
          operationOf.set(executionId, current());
        }
        running.push({ name: `inv${++started}`, record: outcome.record, charged: false });
        continue;
      }

      if (running.length === 0) continue;
      const invocation = running[s.pick % running.length]!;
      const { executionId } = invocation.record;
      log.push(`${at} ${s.kind} ${invocation.name} (execution ${executionId.slice(0, 8)})`);
      const stop = () => {
        running = running.filter((i) => i !== invocation);
      };
      /** Whoever holds (or held) a claim may charge: a frozen holder wakes up and does. */
      const chargeBy = (by: Invocation) => {
        if (by.charged) return;
        by.charged = true;
        const operation = charges[operationOf.get(by.record.executionId)!]!;
        operation.add(by.record.executionId);
        // (i) At most one charge per logical operation.
        if (operation.size > 1) fail(`${operation.size} charges in one logical operation (execution ids ${[...operation].join(', ')})`);
      };
      switch (s.kind) {
        case 'charge':
          chargeBy(invocation);
          break;
        case 'complete': {
          chargeBy(invocation); // the flow completes only after the processor answered
          stop();
          const response: HttpResponse = { statusCode: 201, headers: {}, body: JSON.stringify({ charge: executionId, by: invocation.name }) };
          try {
            await store.complete(invocation.record, response, [], nowMs);
          } catch (error) {
            if (error instanceof LeaseLostError) break; // fenced: a later holder owns the key
            throw error;
          }
          log.push(`${at}   stored the answer of ${invocation.name}`);
          // (ii) Once an answer is stored, nothing replaces it while it is retained, and no
          // invocation of an operation that already ended can complete.
          if (stored && nowMs < stored.expiresAtMs) fail(`${invocation.name} replaced the stored answer ${stored.response.body}`);
          if (operationOf.get(executionId) !== current()) fail(`${invocation.name}, of an operation that had ended, completed the key`);
          stored = { response, executionId, expiresAtMs: nowMs + RETENTION_SECONDS * 1000 };
          break;
        }
        case 'release': {
          stop();
          await store.release(invocation.record, nowMs).catch((error: unknown) => {
            if (!(error instanceof LeaseLostError)) throw error;
          });
          break;
        }
        case 'crash':
          stop(); // it never writes again: no completion, no release
          break;
      }
    }
  }

  test('under any interleaving of claims, crashes, lease lapses, retention ends, retries and completions, one logical operation is charged at most once and its stored answer never changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 30 }), (steps) => runSteps(steps)),
      { numRuns: 80 },
    );
  }, 60_000);

  test('a crash after the charge, a lease lapse and the retention end, then a retry: the retry keeps the execution id (the issue repro)', async () => {
    await runSteps([
      { kind: 'start', leaseSeconds: 2 },
      { kind: 'charge', pick: 0 },
      { kind: 'crash', pick: 0 },
      { kind: 'advance', seconds: RETENTION_SECONDS + 1 },
      { kind: 'start', leaseSeconds: 2 },
      { kind: 'charge', pick: 0 },
      { kind: 'complete', pick: 0 },
      { kind: 'advance', seconds: 1 },
      { kind: 'start', leaseSeconds: 2 },
    ]);
  });
});
