/**
 * On-demand capacity as AWS bills it (Developer Guide, "DynamoDB read and write operations"):
 * a write is 1 unit per started KB of the larger of the item before and after it, at least 1;
 * a write whose condition fails still costs the existing item's size (at least 1); every item of
 * TransactWriteItems costs twice that. A strongly consistent read is 1 unit per started 4 KB,
 * an eventually consistent one half that.
 */
export const KB = 1024;

export function writeUnits(beforeBytes: number, afterBytes: number, transactional = false): number {
  const units = Math.max(1, Math.ceil(Math.max(beforeBytes, afterBytes) / KB));
  return transactional ? 2 * units : units;
}

/** A write whose condition failed: nothing written, the existing item's size is billed. */
export function failedWriteUnits(existingBytes: number, transactional = false): number {
  return writeUnits(existingBytes, 0, transactional);
}

export function readUnits(itemBytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(itemBytes / (4 * KB)));
  return consistent ? units : units / 2;
}
