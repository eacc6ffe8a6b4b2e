import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../idempotency/errors';
import type { TransactWriteItem } from '../idempotency/store';
import { KeyPrefix, scopedKey, TableSchema } from '../shared/table';

export interface Payment {
  id: string;
  object: 'payment';
  amount: number;
  currency: string;
  source: string;
  customer: string | null;
  description: string | null;
  metadata: Record<string, string>;
  status: 'succeeded' | 'failed';
  charge: string;
  created: number;
}

/** Payment ids are derived from the idempotency record's execution id: the same on every retry. */
export const paymentIdFor = (executionId: string) => `pay_${executionId.replace(/-/g, '')}`;
export const PAYMENT_ID = /^pay_[0-9a-f]{32}$/;

/** Payments live under a tenant-scoped key: a tenant can only ever address its own. */
export class PaymentStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The payment write, for the transaction that completes the idempotency record. */
  putItem(tenant: string, payment: Payment): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { [TableSchema.partitionKey]: scopedKey(KeyPrefix.Payment, tenant, payment.id), payment },
        // A payment is written once; a second write for the same id means something is wrong.
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TableSchema.partitionKey },
      },
    };
  }

  async get(tenant: string, id: string): Promise<Payment | undefined> {
    try {
      const { Item } = await this.documentClient.send(
        new GetCommand({ TableName: this.tableName, Key: { [TableSchema.partitionKey]: scopedKey(KeyPrefix.Payment, tenant, id) } }),
      );
      return Item ? inFieldOrder(Item.payment as Payment) : undefined;
    } catch (error) {
      // A read changes nothing, so there is no key to mention: the same GET can simply be repeated.
      throw new StoreUnavailableError(error, 'The payment store is unavailable. Retry the request.');
    }
  }
}

/** DynamoDB maps do not keep key order; answer in the same order the POST did. */
function inFieldOrder(p: Payment): Payment {
  return {
    id: p.id,
    object: p.object,
    amount: p.amount,
    currency: p.currency,
    source: p.source,
    customer: p.customer,
    description: p.description,
    metadata: p.metadata,
    status: p.status,
    charge: p.charge,
    created: p.created,
  };
}
