/** @idempotent-payments/idempotency/dynamodb: the store on a DynamoDB table, and the table's layout. */
export { DynamoDbIdempotencyStore, type DynamoDbStoreOptions, type TransactWriteItem } from './dynamodb-store';
export { DynamoDbRecoveryStore, type RecoverableRecord, type RecoveryListing } from './recovery-store';
export { DEFAULT_TABLE_LAYOUT, RECOVERY_INDEX, type TableLayout } from './table-layout';
