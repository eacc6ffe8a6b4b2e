import { RecordStatus } from '../../lambda/idempotency/record';
import type { StoredRecord } from '../../ops/records';

/** Who did what the timeline tells: the page adds its own lines (the browser's) beside these. */
export const Actor = {
  /** The payments API: requests in, answers out. */
  Api: 'api',
  /** The idempotency record of a key in DynamoDB. */
  Record: 'record',
  /** The (simulated) card processor. */
  Processor: 'processor',
  /** A fault switch of the demo. */
  Fault: 'fault',
  /** Local mode's recovery worker. */
  Recovery: 'recovery',
} as const;
export type Actor = (typeof Actor)[keyof typeof Actor];

export interface TimelineEvent {
  /** Order of arrival in this timeline; ties in `atEpochMs` keep it. */
  seq: number;
  /** When it happened (a record's own timestamps for its transitions), epoch ms. */
  atEpochMs: number;
  actor: Actor;
  text: string;
}

/** What was last seen of one key's record, to tell its transitions. */
interface Seen {
  status: RecordStatus;
  claimCount: number;
  leaseUntilEpochMs: number;
  /** The current claim's lease was seen lapsed (and said so). */
  lapseTold: boolean;
}

/** A timeline's length cap: a page left open on one order must not grow local mode's memory for ever. */
const MAX_EVENTS = 400;

/** The first 8 characters of a key or execution id: enough to tell them apart on screen (the page shows the whole key). */
export const short = (id: string) => id.slice(0, 8);

/**
 * One order's timeline as the server saw it: requests and answers, charges, faults and the
 * state transitions of each key's record (IN_PROGRESS, lease lapsed, takeover, COMPLETED).
 */
export class OrderTimeline {
  readonly events: TimelineEvent[] = [];
  private readonly seen = new Map<string, Seen>();
  private seq = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly now: () => number = Date.now) {}

  add(actor: Actor, text: string, atEpochMs: number = this.now()): void {
    this.events.push({ seq: ++this.seq, atEpochMs, actor, text });
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
  }

  /**
   * Runs tasks one at a time: two reads of a record racing each other could otherwise report
   * its transitions twice, or out of order.
   */
  serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Compares a fresh read of a key's record with the last one and tells what changed. */
  observe(key: string, record: StoredRecord | undefined, nowMs: number = this.now()): void {
    if (!record) return;
    const before = this.seen.get(key);
    if (!before) {
      this.add(
        Actor.Record,
        `Record for key ${short(key)} created: IN_PROGRESS. The key is claimed by one request (execution id ${short(record.executionId)}); ` +
          'any other request with this key is told to wait until it finishes.',
        record.createdAtEpochMs,
      );
    }
    const claimsBefore = before?.claimCount ?? 1;
    let lapseTold = before !== undefined && before.claimCount === record.claimCount && before.lapseTold;
    if (record.claimCount > claimsBefore) {
      if (before && !before.lapseTold) this.add(Actor.Record, lapsedText(key), before.leaseUntilEpochMs);
      this.add(
        Actor.Record,
        `Takeover (claim #${record.claimCount}): the lease had lapsed, so a new run took the key over. It keeps execution id ` +
          `${short(record.executionId)}, so the processor will give back the same charge rather than make a new one.`,
        record.leasedAtEpochMs,
      );
    }
    if (record.status === RecordStatus.InProgress && record.leaseUntilEpochMs <= nowMs && !lapseTold) {
      this.add(Actor.Record, lapsedText(key), record.leaseUntilEpochMs);
      lapseTold = true;
    }
    if (record.status === RecordStatus.Completed && before?.status !== RecordStatus.Completed) {
      const status = record.response?.statusCode ?? '?';
      const payment = record.payment ? ` (payment ${record.payment.id})` : '';
      this.add(
        Actor.Record,
        `Record COMPLETED: the answer ${status}${payment} is stored with key ${short(key)}. From now on every request with this key ` +
          'gets this same answer back, and nothing is charged again.',
        record.completedAtEpochMs ?? nowMs,
      );
    }
    this.seen.set(key, { status: record.status, claimCount: record.claimCount, leaseUntilEpochMs: record.leaseUntilEpochMs, lapseTold });
  }
}

function lapsedText(key: string): string {
  return (
    `Lease lapsed on key ${short(key)}, still IN_PROGRESS: the run holding it stopped without finishing (it crashed, ran out of ` +
    'time or gave the key back after an error). The next retry, or the recovery worker, may now take it over.'
  );
}
