import { randomBytes, randomUUID } from 'node:crypto';
import { OrderTimeline } from './timeline';

/** The fault switches a demo order can arm; each one acts once, on that order alone. */
export const Fault = {
  /** The next successful answer to one of the order's payments is cut before the browser reads it. */
  LoseAnswer: 'lose-answer',
  /** The next run of the function for the order stops dead after the charge, before completing. */
  Crash: 'crash',
} as const;
export type Fault = (typeof Fault)[keyof typeof Fault];

export const isFault = (value: unknown): value is Fault => Object.values(Fault).includes(value as Fault);

/** What the checkout sells: one item, a fixed price, so every attempt sends the same body. */
const ITEM = { description: 'Coffee beans, 1 kg', amount: 2400, currency: 'usd' } as const;

export interface DemoOrder {
  /** `ord_` and 12 hex digits; the page keeps it in its URL, so a reload finds the order again. */
  id: string;
  description: string;
  amount: number;
  currency: string;
  /** Made with the order, on the server (integration guide, step 1), and sent with every attempt. */
  idempotencyKey: string;
  createdAtEpochMs: number;
  /** Every key a payment for this order was sent with, and its tenant: the order's own and any a buggy page made up. */
  keys: Map<string, string>;
  /** POST /payments requests seen for the order, so each one gets a number in the timeline. */
  requests: number;
  armed: Set<Fault>;
  timeline: OrderTimeline;
}

/**
 * Orders live in local mode's memory: the demo needs them for as long as a page shows them, and a
 * restart of local mode is a new demo. The oldest are forgotten past this many.
 */
export const MAX_DEMO_ORDERS = 500;

/** The demo's orders, and which order each Idempotency-Key it has seen belongs to. */
export class OrderBook {
  private readonly orders = new Map<string, DemoOrder>();
  private readonly orderOfKey = new Map<string, DemoOrder>();

  constructor(private readonly now: () => number = Date.now) {}

  create(): DemoOrder {
    const createdAtEpochMs = this.now();
    const order: DemoOrder = {
      id: `ord_${randomBytes(6).toString('hex')}`,
      ...ITEM,
      idempotencyKey: randomUUID(),
      createdAtEpochMs,
      keys: new Map(),
      requests: 0,
      armed: new Set(),
      timeline: new OrderTimeline(this.now),
    };
    this.orders.set(order.id, order);
    this.orderOfKey.set(order.idempotencyKey, order);
    this.forgetOldest();
    return order;
  }

  get(id: string): DemoOrder | undefined {
    return this.orders.get(id);
  }

  /**
   * The order a payment request is about: the one whose key it carries, else the one its body
   * names (`metadata.order_id`), which is how a page that makes a new key per attempt shows up.
   */
  forPayment(key: string, orderId: string | undefined): DemoOrder | undefined {
    return this.orderOfKey.get(key) ?? (orderId === undefined ? undefined : this.orders.get(orderId));
  }

  /** The order a key was seen with; undefined for every payment that is not the demo's. */
  byKey(key: string): DemoOrder | undefined {
    return this.orderOfKey.get(key);
  }

  noteKey(order: DemoOrder, key: string, tenant: string): void {
    order.keys.set(key, tenant);
    this.orderOfKey.set(key, order);
  }

  private forgetOldest(): void {
    while (this.orders.size > MAX_DEMO_ORDERS) {
      const [oldest] = this.orders.values();
      if (!oldest) return;
      this.orders.delete(oldest.id);
      this.orderOfKey.delete(oldest.idempotencyKey);
      for (const key of oldest.keys.keys()) this.orderOfKey.delete(key);
    }
  }
}

/** `metadata.order_id` of a POST /payments body, when it is JSON and names one. */
export function orderIdOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { metadata?: { order_id?: unknown } } | null;
    const id = parsed?.metadata?.order_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
