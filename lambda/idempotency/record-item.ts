import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isConditionFailure } from './dynamodb-errors';
import type { IdempotencyRecord } from './record';
import { decodeResponse, type StoredResponse } from './response-codec';
import type { TableLayout } from './table-layout';

/** The item returned with a failed condition (ALL_OLD), unmarshalled; undefined when there was none. */
export function conditionFailureItem(error: unknown, layout: TableLayout): IdempotencyRecord | undefined {
  if (!isConditionFailure(error)) return undefined;
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  return item ? fromItem(item, layout) : undefined;
}

/** The stored item: the record, with its key and expiry under the layout's attribute names. */
export function toItem(record: IdempotencyRecord, layout: TableLayout): Record<string, unknown> {
  const { recordKey, expiresAtEpochSeconds, ...rest } = record;
  return { [layout.keyAttribute]: recordKey, ...rest, ...(expiresAtEpochSeconds === undefined ? {} : { [layout.ttlAttribute]: expiresAtEpochSeconds }) };
}

export function fromItem(item: Record<string, AttributeValue>, layout: TableLayout): IdempotencyRecord {
  return fromPlainItem(unmarshall(item), layout);
}

/** The same, from an item the document client already unmarshalled. */
export function fromPlainItem(item: Record<string, unknown>, layout: TableLayout): IdempotencyRecord {
  const { [layout.keyAttribute]: recordKey, [layout.ttlAttribute]: expiresAtEpochSeconds, response, ...rest } = item;
  return {
    ...rest,
    recordKey,
    expiresAtEpochSeconds,
    ...(response ? { response: decodeResponse(response as StoredResponse) } : {}),
  } as IdempotencyRecord;
}
