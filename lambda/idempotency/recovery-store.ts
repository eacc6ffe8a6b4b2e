import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure, storeError } from './dynamodb-errors';
import { type IdempotencyRecord, type RecoveryState, RecordStatus } from './record';
import { fromPlainItem } from './record-item';
import { RECOVERY_INDEX as INDEX, type TableLayout, tableLayout } from './table-layout';

/** What the recovery index holds of a record: enough to run it again and to keep its books. */
export type RecoverableRecord = Pick<IdempotencyRecord, 'recordKey' | 'tenant' | 'idempotencyKey' | 'executionId' | 'createdAtEpochMs' | 'leaseUntilEpochMs'> &
  Required<Pick<IdempotencyRecord, 'request'>> & { recovery?: RecoveryState; recoveryShard: string };

export type RecoveryListing = 'due' | 'attention';

/**
 * The recovery worker's view of the table: the in-progress records whose lease lapsed, found by a
 * key range per shard of the sparse recovery index (never a scan), and its bookkeeping writes,
 * each guarded so it can never touch a record someone holds or finished.
 */
export class DynamoDbRecoveryStore {
  private readonly layout: TableLayout;
  constructor(private readonly options: { documentClient: DynamoDBDocumentClient; tableName: string; layout?: Partial<TableLayout> }) {
    this.layout = tableLayout(options.layout);
  }

  /** Records in `listing` whose lease ended by `lapsedBeforeEpochMs`, oldest lease first, from every shard. */
  async list(listing: RecoveryListing, lapsedBeforeEpochMs: number, limitPerShard = 100): Promise<RecoverableRecord[]> {
    const shards = Array.from({ length: INDEX.shards }, (_, shard) => `${listing}#${shard}`);
    const pages = await Promise.all(shards.map((shard) => this.queryShard(shard, lapsedBeforeEpochMs, limitPerShard)));
    return pages.flat().sort((a, b) => a.leaseUntilEpochMs - b.leaseUntilEpochMs);
  }

  /** Whether the record completed (after a re-drive: its answer alone does not say). Strongly consistent. */
  async isCompleted(record: RecoverableRecord): Promise<boolean> {
    try {
      const { Item } = await this.options.documentClient.send(
        new GetCommand({
          TableName: this.options.tableName,
          Key: { [this.layout.keyAttribute]: record.recordKey },
          ProjectionExpression: '#status, executionId',
          ExpressionAttributeNames: { '#status': 'status' },
          ConsistentRead: true,
        }),
      );
      return Item?.status === RecordStatus.Completed && Item.executionId === record.executionId;
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * Notes a failed attempt and when the next may start. Timeline: still IN_PROGRESS with the same
   * execution id and nobody holding it (the attempt released it) -> updated; else left alone.
   */
  async deferred(record: RecoverableRecord, recovery: RecoveryState, nowMs: number): Promise<boolean> {
    return this.guardedUpdate(record, nowMs, 'SET recovery = :recovery', { ':recovery': recovery });
  }

  /** Moves the record to the attention listing: recovery stops trying; a client retry still may. */
  async needsAttention(record: RecoverableRecord, recovery: RecoveryState, nowMs: number): Promise<boolean> {
    const shard = record.recoveryShard.replace(/^due#/, 'attention#');
    return this.guardedUpdate(record, nowMs, 'SET recovery = :recovery, recoveryShard = :shard', { ':recovery': recovery, ':shard': shard });
  }

  private async guardedUpdate(record: RecoverableRecord, nowMs: number, update: string, values: Record<string, unknown>): Promise<boolean> {
    try {
      await this.options.documentClient.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { [this.layout.keyAttribute]: record.recordKey },
          UpdateExpression: update,
          ConditionExpression: '#status = :inProgress AND executionId = :executionId AND leaseUntilEpochMs <= :nowMs',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ...values, ':inProgress': RecordStatus.InProgress, ':executionId': record.executionId, ':nowMs': nowMs },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false; // a client retry holds or finished it meanwhile
      throw storeError(error);
    }
  }

  private async queryShard(shard: string, lapsedBeforeEpochMs: number, limit: number): Promise<RecoverableRecord[]> {
    try {
      const { Items = [] } = await this.options.documentClient.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: INDEX.name,
          KeyConditionExpression: '#shard = :shard AND #lease <= :before',
          ExpressionAttributeNames: { '#shard': INDEX.partitionKey, '#lease': INDEX.sortKey },
          ExpressionAttributeValues: { ':shard': shard, ':before': lapsedBeforeEpochMs },
          Limit: limit,
        }),
      );
      return Items.map((item) => fromPlainItem(item, this.layout) as RecoverableRecord);
    } catch (error) {
      throw storeError(error);
    }
  }
}
