import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { TableSchema } from '../shared/table';
import { isConditionFailure } from './dynamodb-errors';
import type { IdempotencyRecord } from './record';
import { decodeResponse, type StoredResponse } from './response-codec';

/** The item returned with a failed condition (ALL_OLD), unmarshalled; undefined when there was none. */
export function conditionFailureItem(error: unknown): IdempotencyRecord | undefined {
  if (!isConditionFailure(error)) return undefined;
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  return item ? fromItem(item) : undefined;
}

/** The stored item: the record, with its expiry under the schema's TTL attribute name. */
export function toItem(record: IdempotencyRecord): Record<string, unknown> {
  const { expiresAtEpochSeconds, ...rest } = record;
  return expiresAtEpochSeconds === undefined ? rest : { ...rest, [TableSchema.ttlAttribute]: expiresAtEpochSeconds };
}

export function fromItem(item: Record<string, AttributeValue>): IdempotencyRecord {
  const { [TableSchema.ttlAttribute]: expiresAtEpochSeconds, response, ...rest } = unmarshall(item);
  return { ...rest, expiresAtEpochSeconds, ...(response ? { response: decodeResponse(response as StoredResponse) } : {}) } as IdempotencyRecord;
}
