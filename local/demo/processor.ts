import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { defaultProcessor, paymentsDocumentClient } from '../../lambda/payments/app';
import type { AppConfig } from '../../lambda/payments/config';
import type { Charge, ChargeRequest, PaymentProcessor } from '../../lambda/payments/processor';
import { Fault, type OrderBook } from './orders';
import { Actor, short } from './timeline';
import type { DemoTracker } from './tracker';

/**
 * How long the card network takes to answer a demo order's new charge, in ms, unless
 * PROCESSOR_LATENCY_MS says otherwise. Without it a payment takes a few ms on this machine, and a
 * double click or a reload would never catch one still running. Capped at half of what the
 * invocation leaves the processor.
 */
export const DEMO_CARD_NETWORK_MS = 1_500;

export interface DemoProcessorDeps {
  orders: OrderBook;
  tracker: DemoTracker;
  /** PROCESSOR_LATENCY_MS: when set, the simulator already takes that long, and the demo adds nothing. */
  configuredLatencyMs: number;
  functionTimeoutSeconds: number;
}

/**
 * Local mode's simulated processor, with the demo around it. Charges that are not a demo order's
 * go straight through, untouched; a demo order's are told in its timeline, take the card
 * network's time, and stop dead after the charge when the order armed the crash switch.
 * Undefined with Stripe: createPaymentsApp builds that processor itself, and the demo needs the
 * simulator's charge records to count charges.
 */
export function localProcessor(config: AppConfig, client: DynamoDBClient, deps: DemoProcessorDeps): PaymentProcessor | undefined {
  if (config.stripe) return undefined;
  return new DemoProcessor(defaultProcessor(config, paymentsDocumentClient(client)), deps);
}

class DemoProcessor implements PaymentProcessor {
  readonly idempotencyWindowMs: number | undefined;
  readonly acceptsPaymentMethodIds: boolean | undefined;

  constructor(
    private readonly inner: PaymentProcessor,
    private readonly deps: DemoProcessorDeps,
  ) {
    this.idempotencyWindowMs = inner.idempotencyWindowMs;
    this.acceptsPaymentMethodIds = inner.acceptsPaymentMethodIds;
  }

  async charge(request: ChargeRequest): Promise<Charge> {
    const { orders, tracker } = this.deps;
    const order = orders.byKey(request.metadata.idempotencyKey);
    if (!order) return this.inner.charge(request);
    orders.noteKey(order, request.metadata.idempotencyKey, request.metadata.tenant);
    const { timeline } = order;
    // The claim (or takeover) that let this run reach the processor, told with its own timestamp.
    void tracker.refresh(order).catch(() => undefined);
    const earlier = await tracker.chargeOf(request.idempotencyKey);
    let charge: Charge;
    try {
      charge = await this.inner.charge(request);
    } catch (error) {
      timeline.add(Actor.Processor, `The processor failed: ${(error as Error).message}. The key is released; a retry with it is safe.`);
      throw error;
    }
    const amount = `${(charge.amount / 100).toFixed(2)} ${charge.currency.toUpperCase()}`;
    timeline.add(
      Actor.Processor,
      earlier
        ? `The processor answered with the charge it already had for execution id ${short(request.idempotencyKey)}: ${charge.id}, again. ` +
            'Nothing new was charged.'
        : `The processor answered: card charged, ${charge.id}, ${amount}. It was given the record's execution id ` +
            `${short(request.idempotencyKey)} as its own key, so asking it again returns this same charge.`,
    );
    if (order.armed.delete(Fault.Crash)) {
      timeline.add(
        Actor.Fault,
        'The function stopped dead right after the charge (the "crash" switch), before it could save the result: the record stays ' +
          `IN_PROGRESS and no answer will come. The gateway gives up on it at the function's time limit, ${this.deps.functionTimeoutSeconds} s.`,
      );
      // A process that died: it never answers, never completes, never releases.
      return new Promise<Charge>(() => {});
    }
    if (!earlier) await sleep(this.cardNetworkMs(request));
    return charge;
  }

  private cardNetworkMs(request: ChargeRequest): number {
    if (this.deps.configuredLatencyMs > 0) return 0;
    return Math.max(0, Math.min(DEMO_CARD_NETWORK_MS, request.timeoutMs / 2));
  }
}
