/**
 * The one definition of the DynamoDB table. The Lambda code, the CDK stack and local mode all
 * import it, so renaming an attribute here renames it everywhere.
 *
 * One table holds three kinds of item, told apart by the prefix of the partition key:
 * idempotency records, payments and the simulated processor's charges.
 */
export const TableSchema = {
  /** Partition key (string). The table has no sort key. */
  partitionKey: 'pk',
  /**
   * DynamoDB TTL attribute, epoch seconds. Only idempotency records carry it; TTL deletes lazily
   * (up to days late), so the code never relies on it and checks expiry in its conditions.
   */
  ttlAttribute: 'expiresAtEpochSeconds',
} as const;

/** The table name used when `TABLE_NAME` is not set (local mode and tests). */
export const DEFAULT_TABLE_NAME = 'idempotent-payments';

/** Key prefixes: one per item kind. */
export const KeyPrefix = {
  Idempotency: 'idem#',
  Payment: 'payment#',
  Charge: 'charge#',
} as const;

/**
 * Joins a tenant and an id into one partition key value that no other (tenant, id) pair can
 * produce: JSON string encoding escapes quotes and backslashes, so the boundary between the two
 * parts is unambiguous whatever characters either one holds. A plain `tenant#id` join is not
 * injective: tenant `a#b` with id `c` would meet tenant `a` with id `b#c`.
 */
export function scopedKey(prefix: string, tenant: string, id: string): string {
  return `${prefix}${JSON.stringify([tenant, id])}`;
}

/** The CreateTable input for local mode and tests; the CDK stack builds the same shape. */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: TableSchema.partitionKey, AttributeType: 'S' as const }],
    KeySchema: [{ AttributeName: TableSchema.partitionKey, KeyType: 'HASH' as const }],
    BillingMode: 'PAY_PER_REQUEST' as const,
  };
}
