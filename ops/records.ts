import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { recordKeyFor } from '../lambda/idempotency/dynamodb-store';
import { type IdempotencyRecord, isLeaseActive, RecordStatus } from '../lambda/idempotency/record';
import { fromItem } from '../lambda/idempotency/record-item';
import { keyDigest } from '../lambda/idempotency/record-key';
import { type Payment, paymentOfRecord } from '../lambda/payments/payment-store';
import { KeyPrefix, RECORDS_LAYOUT, TableSchema } from '../lambda/shared/table';
import type { Database } from './database';

/** A record as the store keeps it, with the payment it holds (paymentOfRecord), if any, in place of the attributes that hold it. */
export type StoredRecord = IdempotencyRecord & { payment?: Payment };

/** What the simulated processor recorded for one execution id (never the card source). */
export interface ProcessorCharge {
  id: string;
  status: string;
  failureCode?: string;
  amount: number;
  currency: string;
  createdEpochSeconds: number;
}

/**
 * The record of (tenant, key), read strongly consistent so an operator sees what a retry would
 * see. A digest collision holds another pair's record: that is "no record" for this one.
 */
export async function readRecord(db: Database, tenant: string, key: string): Promise<StoredRecord | undefined> {
  const { Item } = await db.client.send(
    new GetItemCommand({
      TableName: db.tableName,
      Key: { [TableSchema.partitionKey]: { S: recordKeyFor(keyDigest(tenant, key), RECORDS_LAYOUT) } },
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  const record = fromItem(Item, RECORDS_LAYOUT);
  if (record.tenant !== tenant || record.idempotencyKey !== key) return undefined;
  // The payment as the API answers it (its field order too), so --json reads like the POST's answer.
  const payment = paymentOfRecord(record);
  const { payment: _created, paymentState: _state, ...rest } = record as IdempotencyRecord & { payment?: unknown; paymentState?: unknown };
  return payment ? { ...rest, payment } : rest;
}

/** The simulator's charge for an execution id; undefined with a real processor or before charging. */
export async function readCharge(db: Database, executionId: string): Promise<ProcessorCharge | undefined> {
  const { Item } = await db.documentClient.send(
    new GetCommand({ TableName: db.tableName, Key: { [TableSchema.partitionKey]: `${KeyPrefix.Charge}${executionId}` }, ConsistentRead: true }),
  );
  if (!Item) return undefined;
  const { id, status, failureCode, amount, currency, createdEpochSeconds } = Item as ProcessorCharge;
  return { id, status, ...(failureCode ? { failureCode } : {}), amount, currency, createdEpochSeconds };
}

/** Recovery gave up on it: it sits in the attention listing until someone looks. */
export const needsAttention = (record: Pick<IdempotencyRecord, 'recoveryShard'>) => record.recoveryShard?.startsWith('attention#') === true;

/** One word for the state, the stored status refined by what the timestamps and listing say. */
export function stateOf(record: StoredRecord, nowMs: number): string {
  if (record.status === RecordStatus.Completed) return 'COMPLETED';
  if (needsAttention(record)) return 'IN_PROGRESS, needs attention';
  return isLeaseActive(record, nowMs) ? 'IN_PROGRESS, held' : 'IN_PROGRESS, lease lapsed';
}
