import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Database } from '../../ops/database';
import { readCharge, readRecord, stateOf, type StoredRecord } from '../../ops/records';
import type { DemoOrder } from './orders';

/** Where the demo reads records and charges: local mode's table, once it is ready. */
export interface DemoStorage {
  client: DynamoDBClient;
  tableName: string;
  /**
   * The simulated processor records its charges in the table, so the demo can count them; with
   * Stripe there is nothing to count here, and the page says the demo needs the simulator.
   */
  simulated: boolean;
}

/** One key an order's payments were sent with, as its record and the processor have it now. */
export interface KeyView {
  key: string;
  /** The key the server made with the order; false for a key the page made up (a bug the demo shows). */
  ordersOwnKey: boolean;
  /** `COMPLETED`, `IN_PROGRESS, held`, `IN_PROGRESS, lease lapsed`, or `no record` (refused before any claim). */
  state: string;
  claims: number;
  chargeId: string | null;
  payment: { id: string; status: string; charge: string | null } | null;
}

export interface OrderView {
  order: Pick<DemoOrder, 'id' | 'description' | 'amount' | 'currency' | 'idempotencyKey' | 'createdAtEpochMs'>;
  functionTimeoutSeconds: number;
  simulated: boolean;
  requests: number;
  armed: string[];
  keys: KeyView[];
  /** Charges the processor made for this order, over every key it was paid with: 1 is right, 2 is a double charge. */
  charges: number;
  /** The payment made with the order's own key, once its record holds one. */
  payment: KeyView['payment'];
  events: DemoOrder['timeline']['events'];
}

/** Reads what the table says about a demo order, and feeds its timeline the record transitions. */
export class DemoTracker {
  private storage: Promise<{ db: Database; simulated: boolean }>;
  private provide!: (value: { db: Database; simulated: boolean }) => void;

  constructor(
    private readonly functionTimeoutSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.storage = new Promise((resolve) => (this.provide = resolve));
  }

  attach(storage: DemoStorage): void {
    const db: Database = {
      client: storage.client,
      documentClient: DynamoDBDocumentClient.from(storage.client),
      tableName: storage.tableName,
      description: `table ${storage.tableName} of local mode`,
      // Unused here: the demo reads, it never runs a sweep of its own.
      recoveryIntervalMs: 0,
    };
    this.provide({ db, simulated: storage.simulated });
  }

  /** The processor already holds a charge for this execution id (a retry, a takeover, a recovery). */
  async chargeOf(executionId: string): Promise<string | undefined> {
    const { db } = await this.storage;
    return (await readCharge(db, executionId))?.id;
  }

  /** Reads every record of the order, one read at a time per order, and tells their transitions. */
  refresh(order: DemoOrder): Promise<Map<string, StoredRecord | undefined>> {
    return order.timeline.serialize(async () => {
      const { db } = await this.storage;
      const records = new Map<string, StoredRecord | undefined>();
      for (const [key, tenant] of order.keys) {
        const record = await readRecord(db, tenant, key);
        order.timeline.observe(key, record, this.now());
        records.set(key, record);
      }
      return records;
    });
  }

  async view(order: DemoOrder): Promise<OrderView> {
    const records = await this.refresh(order);
    const { db, simulated } = await this.storage;
    const nowMs = this.now();
    const keys = await Promise.all(
      [...records].map(async ([key, record]): Promise<KeyView> => {
        const charge = record ? await readCharge(db, record.executionId) : undefined;
        const { payment } = record ?? {};
        return {
          key,
          ordersOwnKey: key === order.idempotencyKey,
          state: record ? stateOf(record, nowMs) : 'no record',
          claims: record?.claimCount ?? 0,
          chargeId: charge?.id ?? null,
          payment: payment ? { id: payment.id, status: payment.status, charge: payment.charge } : null,
        };
      }),
    );
    const { id, description, amount, currency, idempotencyKey, createdAtEpochMs } = order;
    return {
      order: { id, description, amount, currency, idempotencyKey, createdAtEpochMs },
      functionTimeoutSeconds: this.functionTimeoutSeconds,
      simulated,
      requests: order.requests,
      armed: [...order.armed],
      keys,
      charges: keys.filter((key) => key.chargeId !== null).length,
      payment: keys.find((key) => key.ordersOwnKey)?.payment ?? null,
      events: order.timeline.events,
    };
  }
}
