import type { HttpResponse } from './http';
import type { IdempotencyRecord, StoredRequest } from './record';

export interface ClaimRequest {
  tenant: string;
  key: string;
  fingerprint: string;
  leaseUntilEpochMs: number;
  nowMs: number;
  /** Stored with the claim (same PutItem) so recovery can run the operation again without the client. */
  request?: StoredRequest;
}

/**
 * What a handler keeps on the record itself, written by the completing UpdateItem: no second item
 * and no transaction, so a first execution stays at two single-item writes.
 */
export interface RecordAttachment {
  /** Top-level attributes set with the completion; they must not reuse the record's own names. */
  attributes: Record<string, unknown>;
  /**
   * Keep the completed record for good instead of for the retention: its key goes on naming this
   * result (a payment) for as long as the record exists.
   * @default false
   */
  retainForever?: boolean;
}

/** What a claim found: the key is ours to run, or someone else's record decides the answer. */
export type ClaimOutcome =
  | { kind: 'claimed'; record: IdempotencyRecord; takeover: boolean }
  | { kind: 'existing'; record: IdempotencyRecord };

/**
 * Where records live. `Write` is what a handler may commit together with its result (`addWrites`):
 * for DynamoDB, one TransactWriteItems entry; `never` for a store that cannot.
 */
export interface IdempotencyStore<Write = never> {
  /**
   * Claims the key: creates the record, overwrites a completed one whose retention ended, or takes
   * over an IN_PROGRESS record whose lease lapsed, however old (keeping its execution id). Otherwise returns the record
   * that stands in the way, without a second read.
   */
  claim(request: ClaimRequest): Promise<ClaimOutcome>;
  /**
   * IN_PROGRESS -> COMPLETED with the response, plus the handler's writes, all or nothing. Fenced
   * by the lease token. Retention starts now. Returns the record as completed.
   */
  complete(
    record: IdempotencyRecord,
    response: HttpResponse,
    writes: Write[],
    nowMs: number,
    attachment?: RecordAttachment,
  ): Promise<IdempotencyRecord>;
  /** Ends the lease at once so a retry can take over; keeps the execution id. Fenced by the lease token. */
  release(record: IdempotencyRecord, nowMs: number): Promise<void>;
}
