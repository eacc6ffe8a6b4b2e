import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { storeError } from '../idempotency/dynamodb-errors';
import { recordKeyFor } from '../idempotency/dynamodb-store';
import { keyDigest } from '../idempotency/record-key';
import { decodeResponse, type StoredResponse } from '../idempotency/response-codec';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { RECORDS_LAYOUT, TableSchema } from '../shared/table';

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

/**
 * What a payment's events change or read in their conditions, kept once on its record and laid
 * over the payment as it was created. `payment_intent` never changes: events are matched on it.
 */
export type PaymentState = Pick<Payment, 'status' | 'payment_intent' | 'amount_refunded'>;
/** The rest of a payment: fixed when it is created. */
type CreatedPayment = Omit<Payment, keyof PaymentState>;

/**
 * The record's attributes that hold a payment, besides the stored answer (`response`): its state
 * always, and the payment as created only when the answer is not the payment itself (a decline).
 * Both are projected into the list index, so a list reads them as a GET does.
 */
const PaymentAttribute = { State: 'paymentState', Created: 'payment' } as const satisfies Record<string, (typeof TableSchema.paymentsIndex.projectedAttributes)[number]>;

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
 * What the completing write keeps on the record of a payment: its state, its keys in the list
 * index and, unless the answer stored beside them is the payment (a 201 or 202), the rest of the
 * payment. A second copy of a 201's body would double the record, and every write of it (the
 * completion, a replay's refused claim) bills 1 WCU per started KB. The shard comes from the
 * digest, so a tenant's payments spread evenly.
 */
export function paymentAttributes(tenant: string, payment: Payment, options: { answerIsPayment: boolean }): Record<string, unknown> {
  const { status, payment_intent, amount_refunded, ...created } = payment;
  const state: PaymentState = {
    status,
    ...(payment_intent === undefined ? {} : { payment_intent }),
    ...(amount_refunded === undefined ? {} : { amount_refunded }),
  };
  const shard = Number.parseInt(payment.id.slice(4, 6), 16) % INDEX.shards;
  return {
    [PaymentAttribute.State]: state,
    ...(options.answerIsPayment ? {} : { [PaymentAttribute.Created]: created satisfies CreatedPayment }),
    [INDEX.partitionKey]: shardKey(tenant, shard),
    // Newest first by creation second; the id orders payments of the same second, stably.
    [INDEX.sortKey]: `${String(payment.created).padStart(12, '0')}#${payment.id}`,
  };
}

/**
 * The payment a record holds, as the API answers it; undefined for a record that holds none (no
 * payment, or not completed yet). Its state is laid over the payment as created: the stored
 * answer's body when that is the payment (JSON.parse keeps the POST's field order, metadata's
 * too), else the `payment` map. Takes an item as the document client reads it (a gzipped body
 * is decoded by the layer's codec), a list-index entry, or a record read through the layer.
 */
export function paymentOfRecord(item: object): Payment | undefined {
  const attributes = item as Record<string, unknown>;
  const state = attributes[PaymentAttribute.State] as PaymentState | undefined;
  if (!state) return undefined;
  const created = attributes[PaymentAttribute.Created] as CreatedPayment | undefined;
  if (created) return inFieldOrder({ ...created, ...state });
  const response = attributes.response as StoredResponse | undefined;
  return response && { ...(JSON.parse(decodeResponse(response).body) as Payment), ...state };
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
    return item?.tenant === tenant ? paymentOfRecord(item) : undefined;
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
    return { data: merged.slice(0, limit).map((entry) => entry.payment), hasMore: merged.length > limit };
  }

  /**
   * Moves a payment forward on its record, with one conditional UpdateItem: the record must be
   * the tenant's, hold the payment made by that processor object, and show an earlier state.
   * Only the payment's state changes: the stored replay of the POST stays the answer it was.
   */
  async advance(tenant: string, paymentId: string, change: PaymentChange): Promise<ChangeOutcome> {
    // DynamoDB refuses a name an expression does not use: #status only where the status is read or set.
    const names: Record<string, string> = { '#tenant': 'tenant', '#state': PaymentAttribute.State, '#pi': 'payment_intent' };
    const values: Record<string, unknown> = { ':tenant': tenant, ':pi': change.processorId };
    const sets: string[] = [];
    let forward: string;
    if (change.kind === 'status') {
      const earlier = STATUS_ORDER.slice(0, STATUS_ORDER.indexOf(change.status));
      earlier.forEach((status, i) => (values[`:earlier${i}`] = status));
      forward = `#state.#status IN (${earlier.map((_, i) => `:earlier${i}`).join(', ')})`;
      names['#status'] = 'status';
      values[':status'] = change.status;
      sets.push('#state.#status = :status');
    } else {
      names['#refunded'] = 'amount_refunded';
      values[':refunded'] = change.amountRefunded;
      forward = '(attribute_not_exists(#state.#refunded) OR #state.#refunded < :refunded)';
      sets.push('#state.#refunded = :refunded');
      if (change.fullyRefunded) {
        values[':status'] = PaymentStatus.Refunded;
        names['#status'] = 'status';
        sets.push('#state.#status = :status');
      }
    }
    try {
      await this.documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TableSchema.partitionKey]: recordKeyFor(paymentId.slice(4), RECORDS_LAYOUT) },
          UpdateExpression: `SET ${sets.join(', ')}`,
          // Timeline: this tenant's payment, made by this processor object, not yet this far along.
          ConditionExpression: `#tenant = :tenant AND #state.#pi = :pi AND ${forward}`,
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
          Key: { [TableSchema.partitionKey]: recordKeyFor(paymentId.slice(4), RECORDS_LAYOUT) },
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
        for (const item of page.Items ?? []) {
          const payment = paymentOfRecord(item);
          if (payment) entries.push({ sortKey: item[INDEX.sortKey] as string, payment });
        }
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
  const state = item[PaymentAttribute.State] as PaymentState | undefined;
  if (!state) return 'not_committed';
  return state.payment_intent === processorId ? 'unchanged' : 'unknown';
}

/** DynamoDB maps do not keep key order: a payment read from its map answers in the POST's order. */
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
