import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { paymentOfRecord } from '../../lambda/payments/payment-store';
import { KeyPrefix, TableSchema } from '../../lambda/shared/table';

export interface TableContents {
  /**
   * Every idempotency record as stored, except that one holding a payment has it as `payment`, as
   * the API answers it (paymentOfRecord), whichever form the record keeps it in: a 201's payment
   * is its stored answer, a decline's the `payment` map, each with `paymentState` laid over.
   */
  records: Record<string, any>[];
  /** The records that hold a payment (a payment lives in the record of the key that made it). */
  payments: Record<string, any>[];
  charges: Record<string, any>[];
}

/** Every item of the table, sorted by kind: what the invariants are checked against. */
export async function readTable(client: DynamoDBClient, tableName: string): Promise<TableContents> {
  const items: Record<string, any>[] = [];
  let ExclusiveStartKey: Record<string, any> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  const withPrefix = (prefix: string) => items.filter((item) => String(item[TableSchema.partitionKey]).startsWith(prefix));
  const records = withPrefix(KeyPrefix.Idempotency).map((record) => {
    const payment = paymentOfRecord(record);
    return payment ? { ...record, payment } : record;
  });
  return {
    records,
    payments: records.filter((record) => record.payment !== undefined),
    charges: withPrefix(KeyPrefix.Charge),
  };
}
