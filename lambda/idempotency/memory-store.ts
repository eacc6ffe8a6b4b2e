import { randomUUID } from 'node:crypto';
import { decide } from './decide';
import { LeaseLostError } from './errors';
import type { HttpResponse } from './http';
import { type IdempotencyRecord, newRecord, RecordStatus } from './record';
import { keyDigest } from './record-key';
import type { ClaimOutcome, ClaimRequest, IdempotencyStore, RecordAttachment } from './store';
import { DEFAULT_TABLE_LAYOUT } from './table-layout';

export interface MemoryStoreOptions {
  /** Retention of a completed record, counted from its completion, in seconds (as the DynamoDB store's). */
  ttlSeconds: number;
}

/** A record as kept here: with the attributes a handler attached at completion. */
export type MemoryRecord = IdempotencyRecord & Record<string, unknown>;

/**
 * The idempotency store in a `Map`, with the DynamoDB store's semantics (claim, takeover, fenced
 * completion and release, retention from completion, attachments on the record), for unit tests
 * of the middleware and of the handlers behind it: it answers in microseconds and needs no table.
 *
 * Per process and unbounded, and it cannot commit a handler's writes (`addWrites`): NOT for
 * production, where two containers must share one store. The DynamoDB store's own behaviour
 * (its conditions) is tested against DynamoDB Local, never through this one.
 */
export class MemoryIdempotencyStore implements IdempotencyStore<never> {
  private readonly records = new Map<string, MemoryRecord>();

  constructor(private readonly options: MemoryStoreOptions) {}

  /** A copy of the record of (tenant, key) as stored now, attachments included: for tests to assert on. */
  get(tenant: string, key: string): MemoryRecord | undefined {
    const record = this.records.get(mapKey(tenant, key));
    return record && structuredClone(record);
  }

  async claim(request: ClaimRequest): Promise<ClaimOutcome> {
    const id = mapKey(request.tenant, request.key);
    const existing = this.records.get(id);
    const decision = decide(existing, request);
    if (decision.kind === 'claim') {
      // No record, or a completed result past its retention: ours, as a new request.
      const digest = keyDigest(request.tenant, request.key);
      const record: MemoryRecord = { ...newRecord(request, `${DEFAULT_TABLE_LAYOUT.keyPrefix}${digest}`) };
      this.records.set(id, record);
      return { kind: 'claimed', record: structuredClone(record), takeover: false };
    }
    if (decision.kind === 'takeover') {
      // The lapsed holder's lease, ours now: same execution id, a new token fences the old holder out.
      const record: MemoryRecord = {
        ...existing!,
        leaseToken: randomUUID(),
        leaseUntilEpochMs: request.leaseUntilEpochMs,
        leasedAtEpochMs: request.nowMs,
        claimCount: existing!.claimCount + 1,
      };
      this.records.set(id, record);
      return { kind: 'claimed', record: withoutAttachments(record), takeover: true };
    }
    return { kind: 'existing', record: structuredClone(existing!) };
  }

  async complete(
    record: IdempotencyRecord,
    response: HttpResponse,
    writes: never[],
    nowMs: number,
    attachment: RecordAttachment = { attributes: {} },
  ): Promise<IdempotencyRecord> {
    if (writes.length > 0) throw new Error('the memory store cannot commit other writes with a completion');
    const stored = this.records.get(mapKey(record.tenant, record.idempotencyKey));
    // Completed already by this very holder (a completion sent twice): the DynamoDB store returns it too.
    if (stored?.status === RecordStatus.Completed && stored.leaseToken === record.leaseToken) return withoutAttachments(stored);
    const current = this.held(record);
    for (const name of Object.keys(attachment.attributes)) {
      if (Object.hasOwn(RECORD_FIELDS, name)) throw new Error(`attachment attribute "${name}" is one of the record's own`);
    }
    // Retention counts from completion, as in the DynamoDB store; a record kept for good has no expiry.
    const expiresAtEpochSeconds = attachment.retainForever ? undefined : Math.floor(nowMs / 1000) + this.options.ttlSeconds;
    const { request: _request, recovery: _recovery, recoveryShard: _shard, expiresAtEpochSeconds: _expires, ...kept } = current;
    const completed: MemoryRecord = {
      ...kept,
      ...structuredClone(attachment.attributes),
      status: RecordStatus.Completed,
      completedAtEpochMs: nowMs,
      ...(expiresAtEpochSeconds === undefined ? {} : { expiresAtEpochSeconds }),
      response: structuredClone(response),
    };
    this.records.set(mapKey(record.tenant, record.idempotencyKey), completed);
    return withoutAttachments(completed);
  }

  async release(record: IdempotencyRecord, nowMs: number): Promise<void> {
    const current = this.held(record);
    // Only the lease ends; the record and its execution id stay for the retry that takes it over.
    this.records.set(mapKey(record.tenant, record.idempotencyKey), { ...current, leaseUntilEpochMs: nowMs });
  }

  /** The stored record, if `record`'s holder still holds its lease; else the lease was lost. */
  private held(record: IdempotencyRecord): MemoryRecord {
    const current = this.records.get(mapKey(record.tenant, record.idempotencyKey));
    if (current?.status === RecordStatus.InProgress && current.leaseToken === record.leaseToken) return current;
    throw new LeaseLostError(current && structuredClone(current));
  }
}

/** Injective in (tenant, key), like the table's scoped keys. */
const mapKey = (tenant: string, key: string) => JSON.stringify([tenant, key]);

/** Every attribute of a record: an attachment may not overwrite one. */
const RECORD_FIELDS: Record<keyof IdempotencyRecord, true> = {
  recordKey: true,
  tenant: true,
  idempotencyKey: true,
  status: true,
  fingerprint: true,
  executionId: true,
  leaseToken: true,
  leaseUntilEpochMs: true,
  leasedAtEpochMs: true,
  expiresAtEpochSeconds: true,
  createdAtEpochMs: true,
  completedAtEpochMs: true,
  claimCount: true,
  response: true,
  request: true,
  recovery: true,
  recoveryShard: true,
};

/** A copy of the record with only its own attributes, as the DynamoDB store returns a claim or completion. */
function withoutAttachments(record: MemoryRecord): IdempotencyRecord {
  const own = Object.entries(record).filter(([name]) => Object.hasOwn(RECORD_FIELDS, name));
  return structuredClone(Object.fromEntries(own)) as unknown as IdempotencyRecord;
}
