import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { HttpResponse } from './http';
import { isConditionFailure, isTransactionCanceled, storeError, TRANSIENT_CANCELLATIONS, transactionReasons } from './dynamodb-errors';
import { LeaseLostError, StoreRejectedError, StoreUnavailableError } from './errors';
import { itemSizeBytes } from './item-size';
import { encodeResponse, MAX_RECORD_BYTES, ResponseTooLargeError, roughStoredBytes, type StoredResponse } from './response-codec';
import { conditionFailureItem, fromItem, toItem } from './record-item';
import { decide } from './decide';
import { type IdempotencyRecord, newRecord, RecordStatus } from './record';
import { keyDigest } from './record-key';
import { DEFAULT_TABLE_LAYOUT, RECOVERY_INDEX, type TableLayout, tableLayout } from './table-layout';
import type { ClaimOutcome, ClaimRequest, IdempotencyStore, RecordAttachment } from './store';

/** One write of the handler's own, committed in the same transaction as the completion. */
export type TransactWriteItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface DynamoDbStoreOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** Retention of a completed record, counted from its completion, in seconds. */
  ttlSeconds: number;
  /** Where the records live in the table. @default DEFAULT_TABLE_LAYOUT */
  layout?: Partial<TableLayout>;
}

/** Attribute names used in expressions; the key and TTL names (`#pk`, `#expires`) come from the layout. */
const NAMES = {
  '#status': 'status',
  '#leaseToken': 'leaseToken',
  '#leaseUntil': 'leaseUntilEpochMs',
  '#response': 'response',
  '#request': 'request',
} as const;

type Name = keyof typeof NAMES | '#pk' | '#expires';

// Condition clauses, named so each write reads as the rule it enforces.
const NO_RECORD = 'attribute_not_exists(#pk)';
// Only a completed result expires. An IN_PROGRESS record may stand for a charge that was made, so
// it is never "a new request" by age: it is taken over with its execution id instead.
const COMPLETED_AND_EXPIRED = '(#status = :completed AND #expires <= :nowSeconds)';
const HELD_BY_US = '#status = :inProgress AND #leaseToken = :leaseToken';
const LEASE_LAPSED = '#leaseUntil <= :nowMs';

/**
 * The DynamoDB adapter of the idempotency store. Every write is conditional; a failed condition
 * comes back with the item that failed it (ALL_OLD), so no write is ever followed by a read.
 */
export class DynamoDbIdempotencyStore implements IdempotencyStore<TransactWriteItem> {
  private readonly layout: TableLayout;
  constructor(private readonly options: DynamoDbStoreOptions) {
    this.layout = tableLayout(options.layout);
  }

  /** The partition key of the record of (tenant, key). */
  recordKey(tenant: string, key: string): string {
    return recordKeyFor(keyDigest(tenant, key), this.layout);
  }

  /** DynamoDB rejects names an expression does not use, so each write lists just its own. */
  private names(...keys: Name[]): Record<string, string> {
    const all: Record<Name, string> = { ...NAMES, '#pk': this.layout.keyAttribute, '#expires': this.layout.ttlAttribute };
    return Object.fromEntries(keys.map((k) => [k, all[k]]));
  }

  private key(record: IdempotencyRecord) {
    return { [this.layout.keyAttribute]: record.recordKey };
  }

  async claim(request: ClaimRequest): Promise<ClaimOutcome> {
    // A takeover can lose a race to another retry; the loser re-reads nothing, it re-decides on
    // the item the failed condition returned. Three rounds cover any realistic interleaving.
    let outcome = await this.create(request);
    if (outcome.kind === 'existing') assertSameKey(outcome.record, request);
    for (let round = 0; round < 3 && outcome.kind === 'existing' && canTakeOver(outcome.record, request); round++) {
      outcome = await this.takeOver(outcome.record, request);
    }
    return outcome;
  }

  private async create(request: ClaimRequest): Promise<ClaimOutcome> {
    const digest = keyDigest(request.tenant, request.key);
    const record: IdempotencyRecord = {
      ...newRecord(request, recordKeyFor(digest, this.layout)),
      // Recoverable: a place in the recovery index, written by the same PutItem.
      ...(request.request ? { recoveryShard: recoveryShardFor(digest, 'due') } : {}),
    };
    try {
      // Timeline: no record -> ours; a completed result past its retention -> ours, as a new request.
      await this.options.documentClient.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: toItem(record, this.layout),
          ConditionExpression: `${NO_RECORD} OR ${COMPLETED_AND_EXPIRED}`,
          ExpressionAttributeNames: this.names('#pk', '#expires', '#status'),
          ExpressionAttributeValues: {
            ':nowSeconds': Math.floor(request.nowMs / 1000),
            ':completed': RecordStatus.Completed,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'claimed', record, takeover: false };
    } catch (error) {
      const existing = conditionFailureItem(error, this.layout);
      // Our own write, applied once already: the SDK retried a PutItem whose answer was lost.
      if (existing?.leaseToken === record.leaseToken) return { kind: 'claimed', record, takeover: false };
      if (existing) return { kind: 'existing', record: existing };
      throw storeError(error);
    }
  }

  /**
   * Takes over an IN_PROGRESS record whose lease lapsed. The execution id is kept, so the retry
   * drives the same downstream operation; the new lease token fences the previous holder out.
   */
  private async takeOver(existing: IdempotencyRecord, request: ClaimRequest): Promise<ClaimOutcome> {
    const { leaseUntilEpochMs, nowMs } = request;
    const leaseToken = randomUUID();
    try {
      // Timeline: still the record we read (same token) and its lease lapsed -> ours, however old it is.
      await this.options.documentClient.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(existing),
          UpdateExpression: 'SET #leaseToken = :newToken, #leaseUntil = :leaseUntil, leasedAtEpochMs = :nowMs ADD claimCount :one',
          ConditionExpression: `${HELD_BY_US} AND ${LEASE_LAPSED}`,
          ExpressionAttributeNames: this.names('#status', '#leaseToken', '#leaseUntil'),
          ExpressionAttributeValues: {
            ':inProgress': RecordStatus.InProgress,
            ':leaseToken': existing.leaseToken,
            ':newToken': leaseToken,
            ':leaseUntil': leaseUntilEpochMs,
            ':nowMs': nowMs,
            ':one': 1,
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      const record = { ...existing, leaseToken, leaseUntilEpochMs, leasedAtEpochMs: nowMs, claimCount: existing.claimCount + 1 };
      return { kind: 'claimed', record, takeover: true };
    } catch (error) {
      const current = conditionFailureItem(error, this.layout);
      // Applied once already, answer lost, retried by the SDK: the takeover is ours.
      if (current?.leaseToken === leaseToken && current.status === RecordStatus.InProgress) {
        const record = { ...existing, leaseToken, leaseUntilEpochMs, leasedAtEpochMs: nowMs, claimCount: current.claimCount };
        return { kind: 'claimed', record, takeover: true };
      }
      if (current) return { kind: 'existing', record: current };
      // The record vanished (deleted by hand): claim afresh.
      if (isConditionFailure(error)) return this.create(request);
      throw storeError(error);
    }
  }

  async complete(
    record: IdempotencyRecord,
    response: HttpResponse,
    writes: TransactWriteItem[],
    nowMs: number,
    attachment: RecordAttachment = { attributes: {} },
  ): Promise<IdempotencyRecord> {
    const stored = encodeResponse(response);
    // Retention counts from completion: a record that completes late is still replayed in full.
    const expiresAtEpochSeconds = attachment.retainForever ? undefined : Math.floor(nowMs / 1000) + this.options.ttlSeconds;
    const { request: _request, recovery: _recovery, recoveryShard: _shard, ...kept } = record;
    const completed: IdempotencyRecord = { ...kept, status: RecordStatus.Completed, completedAtEpochMs: nowMs, expiresAtEpochSeconds, response };
    const attached = attachedAttributes(attachment.attributes, this.layout);
    assertFits(toItem(completed, this.layout), stored, attachment.attributes);
    const sets = ['#status = :completed', '#response = :response', 'completedAtEpochMs = :nowMs', ...attached.sets];
    if (expiresAtEpochSeconds !== undefined) sets.push('#expires = :expires');
    const update = {
      TableName: this.options.tableName,
      Key: this.key(record),
      // A completed record leaves the recovery index and drops what only a re-drive needed.
      UpdateExpression: `SET ${sets.join(', ')} REMOVE recoveryShard, #request, recovery`,
      // Timeline: only the holder of the current lease may complete; a zombie's token is stale.
      ConditionExpression: HELD_BY_US,
      ExpressionAttributeNames: {
        ...this.names('#status', '#leaseToken', '#response', '#request', ...(expiresAtEpochSeconds === undefined ? [] : (['#expires'] as const))),
        ...attached.names,
      },
      ExpressionAttributeValues: {
        ':completed': RecordStatus.Completed,
        ':inProgress': RecordStatus.InProgress,
        ':leaseToken': record.leaseToken,
        ':response': stored,
        ':nowMs': nowMs,
        ...(expiresAtEpochSeconds === undefined ? {} : { ':expires': expiresAtEpochSeconds }),
        ...attached.values,
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    try {
      if (writes.length === 0) {
        await this.options.documentClient.send(new UpdateCommand(update));
        return completed;
      }
      // A transaction retried after its answer was lost is recognised by DynamoDB through its
      // ClientRequestToken and succeeds again without writing twice. The SDK would fill in a token
      // per call by itself; naming it after the lease also covers a completion we send again.
      await this.options.documentClient.send(
        new TransactWriteCommand({
          TransactItems: [{ Update: update }, ...writes],
          ClientRequestToken: record.leaseToken,
        }),
      );
      return completed;
    } catch (error) {
      // An UpdateItem applied once already and retried by the SDK finds our own completion.
      const current = conditionFailureItem(error, this.layout);
      if (current?.status === RecordStatus.Completed && current.leaseToken === record.leaseToken) return current;
      throw this.fencedOr(error);
    }
  }

  async release(record: IdempotencyRecord, nowMs: number): Promise<void> {
    try {
      // Timeline: only the holder may end its own lease; the record (and its execution id) stays.
      await this.options.documentClient.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(record),
          UpdateExpression: 'SET #leaseUntil = :nowMs',
          ConditionExpression: HELD_BY_US,
          ExpressionAttributeNames: this.names('#status', '#leaseToken', '#leaseUntil'),
          ExpressionAttributeValues: { ':inProgress': RecordStatus.InProgress, ':leaseToken': record.leaseToken, ':nowMs': nowMs },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      throw this.fencedOr(error);
    }
  }

  /** A failed condition on our record means we lost the lease; anything else is the store failing. */
  private fencedOr(error: unknown): Error {
    if (isConditionFailure(error)) return new LeaseLostError(conditionFailureItem(error, this.layout));
    if (isTransactionCanceled(error)) {
      const [recordReason] = transactionReasons(error);
      if (recordReason?.Code === 'ConditionalCheckFailed') {
        return new LeaseLostError(recordReason.Item ? fromItem(recordReason.Item, this.layout) : undefined);
      }
      // Throttled, or in conflict with another write to one of the items: nothing was written, the
      // SDK does not retry a cancelled transaction, and the same completion can succeed later.
      if (transactionReasons(error).some((r) => TRANSIENT_CANCELLATIONS.has(r.Code ?? ''))) return new StoreUnavailableError(error);
      // Our record was fine but one of the handler's own writes failed its condition or was invalid:
      // a bug or a conflicting write, never something a retry of this attempt fixes.
      const codes = transactionReasons(error).map((r) => r.Code ?? 'None').join(', ');
      return new StoreRejectedError(new Error(`completion rejected: ${codes}`, { cause: error }));
    }
    return storeError(error);
  }
}

/** The partition key of the record whose (tenant, key) has this digest. */
export const recordKeyFor = (digest: string, layout: Pick<TableLayout, 'keyPrefix'> = DEFAULT_TABLE_LAYOUT) => `${layout.keyPrefix}${digest}`;

/** The record's recovery index partition: its digest picks one of the shards, evenly. */
export const recoveryShardFor = (digest: string, state: 'due' | 'attention') =>
  `${state}#${Number.parseInt(digest.slice(0, 4), 16) % RECOVERY_INDEX.shards}`;

/** Two (tenant, key) pairs under one digest: never answer one with the other's record. */
function assertSameKey(record: IdempotencyRecord, request: ClaimRequest): void {
  if (record.tenant === request.tenant && record.idempotencyKey === request.key) return;
  throw new StoreRejectedError(new Error(`record ${record.recordKey} belongs to another (tenant, key): a digest collision`));
}

/** Attribute names the record itself uses (besides the layout's key and TTL); a handler's attachment may not overwrite them. */
const RECORD_ATTRIBUTES = new Set([
  'recoveryShard',
  'recovery',
  ...Object.values(NAMES),
  'tenant',
  'idempotencyKey',
  'fingerprint',
  'executionId',
  'leasedAtEpochMs',
  'createdAtEpochMs',
  'completedAtEpochMs',
  'claimCount',
]);

/** `SET` clauses, names and values for the attachment's attributes (`#a0 = :a0`, ...). */
function attachedAttributes(attributes: Record<string, unknown>, layout: TableLayout) {
  const sets: string[] = [];
  const attributeNames: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  Object.entries(attributes).forEach(([name, value], i) => {
    if (RECORD_ATTRIBUTES.has(name) || name === layout.keyAttribute || name === layout.ttlAttribute) throw new Error(`attachment attribute "${name}" is one of the record's own`);
    sets.push(`#a${i} = :a${i}`);
    attributeNames[`#a${i}`] = name;
    values[`:a${i}`] = value;
  });
  return { sets, names: attributeNames, values };
}

/** An IN_PROGRESS record for the same request whose holder's lease lapsed, however old (`decide`'s rule). */
const canTakeOver = (record: IdempotencyRecord, request: ClaimRequest) => decide(record, request).kind === 'takeover';

/**
 * Refuses, before any write, a completed record DynamoDB would reject for size. The cheap bound
 * settles almost every response; the exact count (DynamoDB's sizing rules) runs only near the limit.
 */
function assertFits(completedItem: Record<string, unknown>, stored: StoredResponse, attributes: Record<string, unknown>): void {
  const attachedBytes = Object.keys(attributes).length === 0 ? 0 : Buffer.byteLength(JSON.stringify(attributes));
  if (roughStoredBytes(stored) + attachedBytes + ROUGH_RECORD_BYTES <= MAX_RECORD_BYTES) return;
  const item = { ...completedItem, ...attributes, response: stored };
  const bytes = itemSizeBytes(marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: true }));
  if (bytes > MAX_RECORD_BYTES) throw new ResponseTooLargeError(bytes);
}

/** More than every attribute of a record but its response and attachment take (tenant and key up to about 1 KB). */
const ROUGH_RECORD_BYTES = 4 * 1024;

