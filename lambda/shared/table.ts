import { DEFAULT_TABLE_LAYOUT, RECOVERY_INDEX, type TableLayout } from '../idempotency/table-layout';

/**
 * The one definition of the DynamoDB table. The Lambda code, the CDK stack and local mode all
 * import it, so renaming an attribute here renames it everywhere.
 *
 * One table holds two kinds of item, told apart by the prefix of the partition key: idempotency
 * records (a payment lives in the record of the key that created it) and the simulated
 * processor's charges.
 */
export const TableSchema = {
  /** Partition key (string), the layer's default. The table has no sort key. */
  partitionKey: DEFAULT_TABLE_LAYOUT.keyAttribute,
  /** DynamoDB TTL attribute, epoch seconds, the layer's default. Only idempotency records carry it. */
  ttlAttribute: DEFAULT_TABLE_LAYOUT.ttlAttribute,
  /**
   * The sparse index that lists a tenant's payments newest first. Only a completed payment's
   * record carries its keys, so claims and other records cost the index nothing. Its partition
   * key is the tenant with a shard number: one partition key value takes at most 1,000 writes a
   * second, in an index too, so one tenant is spread over `shards` of them.
   */
  paymentsIndex: {
    name: 'payments-by-tenant',
    partitionKey: 'paymentsByTenantPk',
    sortKey: 'paymentsByTenantSk',
    sortKeyType: 'S',
    /**
     * What a list builds each payment from, as a GET does (payment-store.ts paymentOfRecord): the
     * stored answer (a 201 or 202 is the payment), the payment's state, and the payment itself,
     * which a record keeps only when its answer is not the payment (a decline).
     */
    projectedAttributes: ['response', 'paymentState', 'payment'],
    shards: 8,
  },
  /** The sparse index recovery sweeps, as the layer defines it (its attributes are the records'). */
  recoveryIndex: RECOVERY_INDEX,
} as const;

/** The table name used when `TABLE_NAME` is not set (local mode and tests). */
export const DEFAULT_TABLE_NAME = 'idempotent-payments';

/** Key prefixes: one per item kind. */
export const KeyPrefix = {
  Idempotency: DEFAULT_TABLE_LAYOUT.keyPrefix,
  Charge: 'charge#',
  /**
   * A secret key of the API (lambda/auth), by key id: the one item kind the authorizer reads,
   * and all it may read (IAM `dynamodb:LeadingKeys` on this prefix).
   */
  SecretKey: 'auth#key#',
  /** A tenant's secret key ids and its usage-plan key, so `keys list <tenant>` is one GetItem, not a scan. */
  TenantKeys: 'auth#tenant#',
} as const;

/** Where the idempotency layer keeps its records in this table: every store and reader of records is given it. */
export const RECORDS_LAYOUT: TableLayout = {
  keyAttribute: TableSchema.partitionKey,
  keyPrefix: KeyPrefix.Idempotency,
  ttlAttribute: TableSchema.ttlAttribute,
};

/**
 * What every authentication item's key starts with (the two prefixes above and
 * AUTH_TENANTS_KEY): the payments functions' roles are denied it, so a function that can write
 * payments cannot mint a credential. No other item's key starts with it.
 */
export const AUTH_KEY_ROOT = 'auth#';

/** The one item that names every tenant holding a secret key, for `keys list` without a tenant. */
export const AUTH_TENANTS_KEY = 'auth#tenants';

/** Every secondary index of the table: both sparse, both keyed by string partitions and a sort key. */
export const SECONDARY_INDEXES = [TableSchema.paymentsIndex, TableSchema.recoveryIndex] as const;

/** The CreateTable input for local mode and tests; the CDK stack builds the same shape. */
export function createTableInput(tableName: string) {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: TableSchema.partitionKey, AttributeType: 'S' as const },
      ...SECONDARY_INDEXES.flatMap((index) => [
        { AttributeName: index.partitionKey, AttributeType: 'S' as const },
        { AttributeName: index.sortKey, AttributeType: index.sortKeyType },
      ]),
    ],
    KeySchema: [{ AttributeName: TableSchema.partitionKey, KeyType: 'HASH' as const }],
    GlobalSecondaryIndexes: SECONDARY_INDEXES.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...index.projectedAttributes] },
    })),
    BillingMode: 'PAY_PER_REQUEST' as const,
  };
}

/**
 * The UpdateTimeToLive input that follows table creation in local mode and tests (CreateTable
 * cannot set TTL); the CDK stack sets `timeToLiveAttribute` from the same schema field.
 */
export function timeToLiveInput(tableName: string) {
  return {
    TableName: tableName,
    TimeToLiveSpecification: { AttributeName: TableSchema.ttlAttribute, Enabled: true },
  };
}
