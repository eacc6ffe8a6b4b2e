import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { storeError } from '../idempotency/dynamodb-errors';
import { recordKeyFor } from '../idempotency/dynamodb-store';
import { keyDigest } from '../idempotency/record-key';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { TableSchema } from '../shared/table';

/**
 * A payment's states, in the only order it may move through them: a later event never moves a
 * payment back (webhooks arrive out of order). `failed` can still become `succeeded` when the
 * processor says so; nothing leaves `refunded`.
 */
export const PaymentStatus = { Processing: 'processing', Failed: 'failed', Succeeded: 'succeeded', Refunded: 'refunded' } as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];
const STATUS_ORDER: readonly PaymentStatus[] = [PaymentStatus.Processing, PaymentStatus.Failed, PaymentStatus.Succeeded, PaymentStatus.Refunded];

export interface Payment {
  id: string;
  object: 'payment';
  amount: number;
  currency: string;
  source: string;
  customer: string | null;
  description: string | null;
  metadata: Record<string, string>;
  status: PaymentStatus;
  /** The processor's charge; null when it refused before making one. */
  charge: string | null;
  created: number;
  /** With Stripe: the PaymentIntent, so support can find the payment there. */
  payment_intent?: string;
  /** Refunded so far, in minor units, once a refund was reported. */
  amount_refunded?: number;
}

/** What a processor event says happened to a payment. */
export type PaymentChange =
  | { kind: 'status'; processorId: string; status: typeof PaymentStatus.Succeeded | typeof PaymentStatus.Failed }
  | { kind: 'refund'; processorId: string; amountRefunded: number; fullyRefunded: boolean };

/**
 * How a change went: applied; already reflected or older than what the payment shows; the
 * payment is still being created (its record IN_PROGRESS: ask for the event again later); or no
 * such payment of ours.
 */
export type ChangeOutcome = 'changed' | 'unchanged' | 'not_committed' | 'unknown';

/**
 * A payment id is the digest of the (tenant, key) that created it, so it leads straight to the
 * record that holds it (one GetItem), and the same key names the same payment on every retry.
 */
export const paymentIdFor = (tenant: string, key: string) => `pay_${keyDigest(tenant, key)}`;
export const PAYMENT_ID = /^pay_[0-9a-f]{32}$/;

const INDEX = TableSchema.paymentsIndex;

/** A read changes nothing, so there is no key to mention: the same GET can simply be repeated. */
const READ_UNAVAILABLE = 'The payment store is unavailable. Retry the request.';

/**
 * What the completing write keeps on the record of a payment: the payment and its keys in the
 * list index. The shard comes from the digest, so a tenant's payments spread evenly.
 */
export function paymentAttributes(tenant: string, payment: Payment): Record<string, unknown> {
  const shard = Number.parseInt(payment.id.slice(4, 6), 16) % INDEX.shards;
  return {
    payment,
    [INDEX.partitionKey]: shardKey(tenant, shard),
    // Newest first by creation second; the id orders payments of the same second, stably.
    [INDEX.sortKey]: `${String(payment.created).padStart(12, '0')}#${payment.id}`,
  };
}

/** Injective in (tenant, shard), like every key built from a caller's string. */
const shardKey = (tenant: string, shard: number) => JSON.stringify([tenant, shard]);

export interface PaymentPage {
  data: Payment[];
  hasMore: boolean;
}

/** Reads payments from the records that hold them; a tenant can only ever reach its own. */
export class PaymentStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The payment, strongly consistent: a GET right after its POST finds it. */
  async get(tenant: string, id: string): Promise<Payment | undefined> {
    const item = await this.item(id);
    // The id alone proves nothing: the record names its tenant, and only that tenant sees it.
    if (item?.tenant !== tenant || !item.payment) return undefined;
    return inFieldOrder(item.payment as Payment);
  }

  /**
   * A page of the tenant's payments, newest first, after the payment `startingAfter` (which must
   * be the tenant's). One query per shard, merged: every shard's first `limit` entries hold the
   * page's, so `limit + 1` from each tells whether more follow.
   */
  async list(tenant: string, limit: number, startingAfter?: string): Promise<PaymentPage | 'unknown_cursor'> {
    let below: string | undefined;
    if (startingAfter !== undefined) {
      const item = await this.item(startingAfter);
      if (item?.tenant !== tenant || typeof item[INDEX.sortKey] !== 'string') return 'unknown_cursor';
      below = item[INDEX.sortKey] as string;
    }
    const shards = await Promise.all(Array.from({ length: INDEX.shards }, (_, shard) => this.queryShard(shardKey(tenant, shard), limit + 1, below)));
    const merged = shards.flat().sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0));
    return { data: merged.slice(0, limit).map((entry) => inFieldOrder(entry.payment)), hasMore: merged.length > limit };
  }

  /**
   * Moves a payment forward on its record, with one conditional UpdateItem: the record must be
   * the tenant's, hold the payment made by that processor object, and show an earlier state.
   * Only the payment changes: the stored replay of the POST stays the answer it was.
   */
  async advance(tenant: string, paymentId: string, change: PaymentChange): Promise<ChangeOutcome> {
    // DynamoDB refuses a name an expression does not use: #status only where the status is read or set.
    const names: Record<string, string> = { '#tenant': 'tenant', '#payment': 'payment', '#pi': 'payment_intent' };
    const values: Record<string, unknown> = { ':tenant': tenant, ':pi': change.processorId };
    const sets: string[] = [];
    let forward: string;
    if (change.kind === 'status') {
      const earlier = STATUS_ORDER.slice(0, STATUS_ORDER.indexOf(change.status));
      earlier.forEach((status, i) => (values[`:earlier${i}`] = status));
      forward = `#payment.#status IN (${earlier.map((_, i) => `:earlier${i}`).join(', ')})`;
      names['#status'] = 'status';
      values[':status'] = change.status;
      sets.push('#payment.#status = :status');
    } else {
      names['#refunded'] = 'amount_refunded';
      values[':refunded'] = change.amountRefunded;
      forward = '(attribute_not_exists(#payment.#refunded) OR #payment.#refunded < :refunded)';
      sets.push('#payment.#refunded = :refunded');
      if (change.fullyRefunded) {
        values[':status'] = PaymentStatus.Refunded;
        names['#status'] = 'status';
        sets.push('#payment.#status = :status');
      }
    }
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TableSchema.partitionKey]: recordKeyFor(paymentId.slice(4)) },
          UpdateExpression: `SET ${sets.join(', ')}`,
          // Timeline: this tenant's payment, made by this processor object, not yet this far along.
          ConditionExpression: `#tenant = :tenant AND #payment.#pi = :pi AND ${forward}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'changed';
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw storeError(error, 'The payment store is unavailable.');
      const item = (error as { Item?: Record<string, unknown> }).Item;
      return outcomeOfRefusal(item === undefined ? undefined : unmarshall(item as never), tenant, change.processorId);
    }
  }

  private async item(paymentId: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.documentClient.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [TableSchema.partitionKey]: recordKeyFor(paymentId.slice(4)) },
          ConsistentRead: true,
        }),
      );
      return Item;
    } catch (error) {
      throw storeError(error, READ_UNAVAILABLE);
    }
  }

  /** Up to `wanted` entries of one shard, newest first, below the cursor; pages through 1 MB limits. */
  private async queryShard(partitionKey: string, wanted: number, below: string | undefined) {
    const entries: { sortKey: string; payment: Payment }[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.documentClient.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: INDEX.name,
            // DynamoDB refuses names and values an expression does not use.
            ...(below === undefined
              ? { KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': INDEX.partitionKey }, ExpressionAttributeValues: { ':pk': partitionKey } }
              : {
                  KeyConditionExpression: '#pk = :pk AND #sk < :below',
                  ExpressionAttributeNames: { '#pk': INDEX.partitionKey, '#sk': INDEX.sortKey },
                  ExpressionAttributeValues: { ':pk': partitionKey, ':below': below },
                }),
            ScanIndexForward: false,
            Limit: wanted - entries.length,
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) entries.push({ sortKey: item[INDEX.sortKey] as string, payment: item.payment as Payment });
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey && entries.length < wanted);
    } catch (error) {
      throw storeError(error, READ_UNAVAILABLE);
    }
    return entries;
  }
}

/** Why a change was refused, from the record as it was. */
function outcomeOfRefusal(item: Record<string, unknown> | undefined, tenant: string, processorId: string): ChangeOutcome {
  if (item?.tenant !== tenant) return 'unknown';
  const payment = item.payment as Payment | undefined;
  if (!payment) return 'not_committed';
  return payment.payment_intent === processorId ? 'unchanged' : 'unknown';
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
    ...(p.payment_intent === undefined ? {} : { payment_intent: p.payment_intent }),
    ...(p.amount_refunded === undefined ? {} : { amount_refunded: p.amount_refunded }),
  };
}
