/**
 * Where the layer keeps its records in a DynamoDB table, as options: a table of the user's own
 * (with other items in it) only has to name its partition key and TTL attribute. The defaults are
 * the layout this project's own table uses (lambda/shared/table.ts builds on them).
 */
export interface TableLayout {
  /**
   * The table's partition key, a string. The table has no sort key (or the records would need one).
   * @default 'pk'
   */
  keyAttribute: string;
  /**
   * What every record's partition key starts with, so records can share the table with other items.
   * @default 'idem#'
   */
  keyPrefix: string;
  /**
   * The table's TTL attribute (epoch seconds). DynamoDB deletes lazily, up to days late, so the
   * layer never relies on it: every condition checks the expiry itself.
   * @default 'expiresAtEpochSeconds'
   */
  ttlAttribute: string;
}

export const DEFAULT_TABLE_LAYOUT: Readonly<TableLayout> = {
  keyAttribute: 'pk',
  keyPrefix: 'idem#',
  ttlAttribute: 'expiresAtEpochSeconds',
};

/**
 * The sparse index a recovery worker sweeps (stores with `recoverable` claims write it): in-progress
 * records of recoverable operations, by shard and lease end, so "lease lapsed" is a key range, never
 * a scan. Claims write it, completion takes the record out. 16 shards keep the claims of a whole
 * API far from one partition key value's 1,000 writes a second.
 */
export const RECOVERY_INDEX = {
  name: 'recovery-by-lease',
  /** `due#<shard>` while recovery may take the record over, `attention#<shard>` once it gave up. */
  partitionKey: 'recoveryShard',
  /** The lease end itself (a number): a takeover moves the record along without an extra write. */
  sortKey: 'leaseUntilEpochMs',
  sortKeyType: 'N',
  projectedAttributes: ['tenant', 'idempotencyKey', 'executionId', 'request', 'recovery', 'createdAtEpochMs'],
  shards: 16,
} as const;

/** Attribute names of the record itself: a layout may not reuse them for the key or the TTL. */
const RECORD_FIELDS = new Set(['tenant', 'idempotencyKey', 'status', 'fingerprint', 'executionId', 'leaseToken', 'leaseUntilEpochMs', 'leasedAtEpochMs', 'createdAtEpochMs', 'completedAtEpochMs', 'claimCount', 'response', 'request', 'recovery', 'recoveryShard', 'recordKey']);

/** The layout with its defaults; refuses names that would overwrite the record's own fields. */
export function tableLayout(layout: Partial<TableLayout> = {}): TableLayout {
  const resolved = { ...DEFAULT_TABLE_LAYOUT, ...layout };
  for (const name of [resolved.keyAttribute, resolved.ttlAttribute]) {
    if (!name || RECORD_FIELDS.has(name)) throw new TypeError(`table layout: "${name}" cannot be the key or TTL attribute; the record uses that name itself`);
  }
  if (resolved.keyAttribute === resolved.ttlAttribute) throw new TypeError('table layout: the key and TTL attributes must differ');
  return resolved;
}
