import type { HttpResponse } from '../http/types';
import type { RecoveryState } from '../idempotency/record';
import type { DynamoDbRecoveryStore, RecoverableRecord } from '../idempotency/recovery-store';

export interface RecoveryOptions {
  store: DynamoDbRecoveryStore;
  /**
   * Runs the record's operation again, as the client's retry would: through the idempotency
   * middleware, so the takeover is fenced and keeps the execution id (the processor returns the
   * same charge), and the completion is the one conditional write it always is.
   */
  redrive: (record: RecoverableRecord) => Promise<HttpResponse>;
  /** @default Date.now */
  now?: () => number;
  /**
   * How long after a lease lapsed the worker leaves the record to the client's own retry, in ms.
   * @default 0
   */
  graceMs?: number;
  /**
   * How long after its first claim recovery keeps trying a record, in ms: the processor's
   * idempotency window (past it a re-drive could charge again), less a margin. Then the record
   * needs attention. Infinity for a processor that deduplicates for ever (the simulator).
   */
  windowMs: number;
  /** The pause after the nth failed attempt, in ms. @default backoffFrom(10 s) */
  backoffMs?: (attempts: number) => number;
  /** When to stop starting re-drives (the invocation's own deadline). @default never */
  stopAtEpochMs?: number;
  log?: (line: Record<string, unknown>) => void;
}

export interface RecoverySummary {
  /** Records the worker found due. */
  due: number;
  recovered: number;
  /** Attempts that failed and were deferred with backoff. */
  failed: number;
  needsAttention: number;
  /** Records someone else held or finished meanwhile, or still in backoff. */
  skipped: number;
  /**
   * Records that need attention once the sweep is done, those it just marked included: a gauge,
   * what the NeedsAttention alarm watches, so it stands while any record does. Counted up to
   * STANDING_LIMIT_PER_SHARD per index shard; absent when the count failed.
   */
  needsAttentionStanding?: number;
}

/**
 * Per shard of the recovery index: 16 x this is the most a sweep counts. Far more than a healthy
 * table ever has; the alarm needs one.
 */
export const STANDING_LIMIT_PER_SHARD = 100;

/** A pause that starts at `firstMs` (a sweep interval) and doubles per failed attempt, at most 15 min. */
export const backoffFrom = (firstMs: number) => (attempts: number) => Math.min(firstMs * 2 ** Math.max(0, attempts - 1), 15 * 60_000);

/**
 * One sweep: every in-progress record whose lease lapsed is run again, once, oldest first. A
 * record that completed is recovered; a 409 means a client retry holds it; anything else is a
 * failed attempt, deferred with backoff until the processor's window nears its end.
 */
export async function recoverDue(options: RecoveryOptions): Promise<RecoverySummary> {
  const now = options.now ?? Date.now;
  const backoffMs = options.backoffMs ?? backoffFrom(10_000);
  const log = options.log ?? (() => {});
  const summary: RecoverySummary = { due: 0, recovered: 0, failed: 0, needsAttention: 0, skipped: 0 };
  const due = await options.store.list('due', now() - (options.graceMs ?? 0));
  summary.due = due.length;
  for (const record of due) {
    if (options.stopAtEpochMs !== undefined && now() >= options.stopAtEpochMs) break;
    if ((record.recovery?.notBeforeEpochMs ?? 0) > now()) {
      summary.skipped++;
      continue;
    }
    const outcome = await attempt(record, options, backoffMs, now);
    summary[outcome]++;
    log({ message: `recovery ${outcome}`, tenant: record.tenant, idempotencyKey: record.idempotencyKey, executionId: record.executionId });
  }
  const standing = await countNeedingAttention(options.store, log);
  if (standing !== undefined) summary.needsAttentionStanding = standing;
  return summary;
}

/**
 * The attention listing's size, whatever the records' leases (one a client retry holds right now is
 * still one nobody has looked at): the sweep's 16 queries again, on shards that are empty when all
 * is well. A failure costs the gauge this minute only, never the sweep's work.
 */
async function countNeedingAttention(store: DynamoDbRecoveryStore, log: (line: Record<string, unknown>) => void): Promise<number | undefined> {
  try {
    return (await store.list('attention', Number.MAX_SAFE_INTEGER, STANDING_LIMIT_PER_SHARD)).length;
  } catch (error) {
    log({ message: 'recovery could not count the records that need attention', errorName: error instanceof Error ? error.name : typeof error });
    return undefined;
  }
}

async function attempt(
  record: RecoverableRecord,
  options: RecoveryOptions,
  backoffMs: (attempts: number) => number,
  now: () => number,
): Promise<'recovered' | 'failed' | 'needsAttention' | 'skipped'> {
  let status: number;
  try {
    status = (await options.redrive(record)).statusCode;
  } catch {
    status = 500;
  }
  if (status === 409) return 'skipped';
  // An answer below 500 is what completing looks like, but a 4xx thrown after the claim (not stored,
  // the key released) looks the same: only a completed record counts.
  if (status < 500 && (await options.store.isCompleted(record))) return 'recovered';
  const attempts = (record.recovery?.attempts ?? 0) + 1;
  const nowMs = now();
  const recovery: RecoveryState = { attempts, notBeforeEpochMs: nowMs + backoffMs(attempts), lastStatus: status };
  if (nowMs + backoffMs(attempts) >= record.createdAtEpochMs + options.windowMs) {
    return (await options.store.needsAttention(record, recovery, nowMs)) ? 'needsAttention' : 'skipped';
  }
  return (await options.store.deferred(record, recovery, nowMs)) ? 'failed' : 'skipped';
}
