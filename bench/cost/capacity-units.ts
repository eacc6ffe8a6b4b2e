import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemSizeBytes } from '../../lambda/idempotency/item-size';
import { TableSchema } from '../../lambda/shared/table';

/**
 * On-demand capacity as AWS bills it (Developer Guide, "DynamoDB read and write operations"): a
 * write is 1 unit per started KB of the larger of the item before and after it, at least 1; every
 * item of TransactWriteItems costs twice that. A strongly consistent read is 1 unit per started
 * 4 KB, an eventually consistent one half that.
 */
export const KB = 1024;

export function writeUnits(beforeBytes: number, afterBytes: number, transactional = false): number {
  const units = Math.max(1, Math.ceil(Math.max(beforeBytes, afterBytes) / KB));
  return transactional ? 2 * units : units;
}

/** A write whose condition failed: nothing written, the existing item's size is billed (at least 1). */
export const failedWriteUnits = (existingBytes: number, transactional = false) => writeUnits(existingBytes, 0, transactional);

export function readUnits(itemBytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(itemBytes / (4 * KB)));
  return consistent ? units : units / 2;
}

export type Item = Record<string, AttributeValue>;
const INDEX = TableSchema.paymentsIndex;

/** The item's entry in the (sparse) list index: table key, index keys, projected attributes; none without index keys. */
export function indexEntry(item: Item | undefined): Item | undefined {
  if (!item?.[INDEX.partitionKey] || !item[INDEX.sortKey]) return undefined;
  const names = [TableSchema.partitionKey, INDEX.partitionKey, INDEX.sortKey, ...INDEX.projectedAttributes];
  return Object.fromEntries(names.filter((name) => item[name] !== undefined).map((name) => [name, item[name]!]));
}

/**
 * What a successful table write costs the list index (Developer Guide, "Global secondary indexes"):
 * an entry put, updated or deleted is one write of its size; one whose index key changed is two
 * (delete the old, put the new); an entry left as it was, or an item outside the index, nothing.
 */
export function indexWriteUnits(before: Item | undefined, after: Item | undefined): number {
  const [old, next] = [indexEntry(before), indexEntry(after)];
  if (!old && !next) return 0;
  if (old && next) {
    const same = (name: string) => JSON.stringify(old[name]) === JSON.stringify(next[name]);
    if ([...new Set([...Object.keys(old), ...Object.keys(next)])].every(same)) return 0;
    if (!same(INDEX.partitionKey) || !same(INDEX.sortKey)) return writeUnits(itemSizeBytes(old), 0) + writeUnits(itemSizeBytes(next), 0);
  }
  return writeUnits(old ? itemSizeBytes(old) : 0, next ? itemSizeBytes(next) : 0);
}
