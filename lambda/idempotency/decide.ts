import type { HttpResponse } from './http';
import { isExpired, isLeaseActive, type RecordAnswer, RecordStatus } from './record';

/**
 * What a record means to a request with its key. The store acts on `claim` and `takeover` (its
 * conditional writes, not this function, settle races); the middleware answers the other three.
 */
export type Decision =
  /** No record, or a completed one past its retention: the key is a new request. */
  | { kind: 'claim' }
  /** IN_PROGRESS for this same request, and its holder's lease lapsed: run it again, same execution id. */
  | { kind: 'takeover' }
  /** COMPLETED for this same request, within its retention: answer with the stored response. */
  | { kind: 'replay'; response: HttpResponse }
  /** The holder's lease still runs (409, `Retry-After` from the holder's start and lease end). */
  | { kind: 'in_progress'; leaseUntilEpochMs: number; leasedAtEpochMs: number }
  /** The key was first used with another request, in whatever state its record is (422). */
  | { kind: 'mismatch' };

/** What of a request the decision depends on. */
export interface DecisionRequest {
  fingerprint: string;
  nowMs: number;
}

/**
 * The idempotency state machine in one place: the store and the middleware both call it, so the
 * rules read in one screen. Pure: it only interprets a record a store returned.
 */
export function decide(record: RecordAnswer | undefined, request: DecisionRequest): Decision {
  if (!record) return { kind: 'claim' };
  // Only a completed result expires: an IN_PROGRESS record may stand for a charge that was made.
  if (record.status === RecordStatus.Completed && isExpired(record, request.nowMs)) return { kind: 'claim' };
  if (record.fingerprint !== request.fingerprint) return { kind: 'mismatch' };
  if (record.status === RecordStatus.Completed && record.response) return { kind: 'replay', response: record.response };
  // However old the record: its execution id is kept, so a retry drives the same downstream operation.
  if (record.status === RecordStatus.InProgress && !isLeaseActive(record, request.nowMs)) return { kind: 'takeover' };
  // Records written before leasedAtEpochMs existed: assume the holder just started.
  return { kind: 'in_progress', leaseUntilEpochMs: record.leaseUntilEpochMs, leasedAtEpochMs: record.leasedAtEpochMs ?? request.nowMs };
}
