import { randomUUID } from 'node:crypto';
import type { HttpResponse } from './http';
import type { ClaimRequest } from './store';

/** The states a record is stored in. "Expired" and "lease lapsed" are derived from timestamps. */
export const RecordStatus = {
  InProgress: 'IN_PROGRESS',
  Completed: 'COMPLETED',
} as const;
export type RecordStatus = (typeof RecordStatus)[keyof typeof RecordStatus];

/** What a recovery worker needs to run the operation again; stored by the claim, never a secret. */
export interface StoredRequest {
  method: string;
  path: string;
  /** The body as validated (normalized JSON) when validation ran, else as sent. */
  body: string | null;
}

/** Recovery's bookkeeping on a record it could not finish yet. */
export interface RecoveryState {
  attempts: number;
  /** No attempt starts before this. */
  notBeforeEpochMs: number;
  /** The status the last attempt ended with. */
  lastStatus: number;
}

export interface IdempotencyRecord {
  /** The record's partition key: the layout's prefix and a digest of (tenant, key). */
  recordKey: string;
  /** Whose key this is, and the key itself: the partition key is only a digest of the two. */
  tenant: string;
  idempotencyKey: string;
  status: RecordStatus;
  fingerprint: string;
  /**
   * Stable for the life of the record: kept across lease takeovers, so everything derived from it
   * (the processor's idempotency key, the payment id) is the same on every retry.
   */
  executionId: string;
  /** Changes on every claim and takeover; completing and releasing writes must present it (fencing). */
  leaseToken: string;
  /** Until when the current holder may still be running. */
  leaseUntilEpochMs: number;
  /** When the current holder claimed or took over the key: how long it has been running. */
  leasedAtEpochMs: number;
  /**
   * End of retention, counted from completion; also the DynamoDB TTL attribute. Absent while
   * IN_PROGRESS (a record whose outcome is unknown never expires by age: its charge may exist),
   * and on a completed record the handler asked to keep (a payment is named by its key for good).
   */
  expiresAtEpochSeconds?: number;
  createdAtEpochMs: number;
  /** Present once COMPLETED. */
  completedAtEpochMs?: number;
  /** How many invocations have held the lease: 1 + takeovers. */
  claimCount: number;
  /** Present once COMPLETED. */
  response?: HttpResponse;
  /** Present while IN_PROGRESS on operations that recovery may finish (removed by completion). */
  request?: StoredRequest;
  recovery?: RecoveryState;
  /**
   * The recovery index's partition key: `due#<shard>` while recovery may take the record over,
   * `attention#<shard>` once it gave up. Removed by completion, so the index holds only these.
   */
  recoveryShard?: string;
}

/**
 * The parts of a record that decide how it answers a request (`decide`): all a warm container's
 * replay cache keeps of one.
 */
export type RecordAnswer = Pick<
  IdempotencyRecord,
  'fingerprint' | 'status' | 'response' | 'leaseUntilEpochMs' | 'leasedAtEpochMs' | 'expiresAtEpochSeconds'
>;

/** Only a completed record expires; an IN_PROGRESS one has no expiry to reach. */
export const isExpired = (record: Pick<IdempotencyRecord, 'expiresAtEpochSeconds'>, nowMs: number) =>
  record.expiresAtEpochSeconds !== undefined && record.expiresAtEpochSeconds * 1000 <= nowMs;
export const isLeaseActive = (record: Pick<IdempotencyRecord, 'leaseUntilEpochMs'>, nowMs: number) => record.leaseUntilEpochMs > nowMs;

/**
 * The IN_PROGRESS record a fresh claim writes, with a new execution id and lease token: the one
 * definition both stores build their claims from.
 */
export function newRecord(claim: ClaimRequest, recordKey: string): IdempotencyRecord {
  return {
    recordKey,
    tenant: claim.tenant,
    idempotencyKey: claim.key,
    status: RecordStatus.InProgress,
    fingerprint: claim.fingerprint,
    executionId: randomUUID(),
    leaseToken: randomUUID(),
    leaseUntilEpochMs: claim.leaseUntilEpochMs,
    leasedAtEpochMs: claim.nowMs,
    createdAtEpochMs: claim.nowMs,
    claimCount: 1,
    ...(claim.request ? { request: structuredClone(claim.request) } : {}),
  };
}
