import type { ServerResponse } from 'node:http';
import type { Context } from 'aws-lambda';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../../lambda/idempotency/key';
import { headerValue } from '../api-gateway';
import type { InvocationOutcome } from '../lambda-runtime';
import { type Answer, answerOf, describeAnswer } from './answers';
import { type DemoOrder, Fault, type OrderBook, orderIdOf } from './orders';
import { Actor, short } from './timeline';
import type { DemoTracker } from './tracker';

/** A POST /payments as the local server hands it to the demo, once its body is read. */
export interface PaymentRequestSeen {
  rawHeaders: string[];
  body: Buffer;
  /** The tenant the request acts for: its secret key's, as verified. */
  tenant: string;
  requestId: string;
}

/** Follows one demo order's payment request to its answer. */
export interface PaymentWatch {
  /**
   * Called with the invocation's outcome before the server writes it. Returns true when the demo
   * answered instead: the "lose the answer" switch cut the connection.
   */
  settle(outcome: InvocationOutcome, res: ServerResponse): boolean;
}

export interface WatchDeps {
  orders: OrderBook;
  tracker: DemoTracker;
  functionTimeoutSeconds: number;
  log: (line: string) => void;
}

/** The watch of a POST /payments, or undefined when it is no demo order's (those pass untouched). */
export function watchPayment(seen: PaymentRequestSeen, deps: WatchDeps): PaymentWatch | undefined {
  const parsed = parseIdempotencyKey(headerValue(seen.rawHeaders, IDEMPOTENCY_KEY_HEADER.toLowerCase()));
  if (!parsed.ok) return undefined;
  const { key } = parsed;
  const order = deps.orders.forPayment(key, orderIdOf(seen.body));
  if (!order) return undefined;
  const newKey = !order.keys.has(key) && key !== order.idempotencyKey;
  deps.orders.noteKey(order, key, seen.tenant);
  const number = ++order.requests;
  order.timeline.add(
    Actor.Api,
    `Request #${number} arrived: POST /payments with key ${short(key)}.` +
      (newKey ? ' That is a key this order never had: to the server, a new payment.' : ''),
  );
  return {
    settle(outcome, res) {
      // The record's transitions carry its own timestamps: they need not hold up the answer.
      void deps.tracker.refresh(order).catch((error: unknown) => deps.log(`demo: could not read the record: ${(error as Error).message}`));
      const answer = answerOf(outcome);
      const told = describeAnswer(number, answer, deps.functionTimeoutSeconds);
      order.timeline.add(Actor.Api, told);
      const succeeded = answer.status >= 200 && answer.status < 300;
      if (!(succeeded && outcome.kind === 'result' && order.armed.delete(Fault.LoseAnswer))) return false;
      order.timeline.add(
        Actor.Fault,
        `The answer to request #${number} was lost on the way (the "lose the answer" switch): the connection broke before the ` +
          'browser could read it. The payment is made; the browser does not know it.',
      );
      deps.log(`${seen.requestId} demo: the answer (${answer.status}) to order ${order.id}'s request #${number} was cut`);
      cutAnswer(res, answer, seen.requestId);
      return true;
    },
  };
}

/**
 * Sends the status line and headers, then breaks the connection before the body. Dropping the
 * connection before any byte of the answer would not do: Chromium silently sends a POST again
 * when a reused keep-alive connection closes without an answer, and the page would never see
 * the loss (that resend carries the same key, so it would be harmless too).
 */
function cutAnswer(res: ServerResponse, answer: Answer, requestId: string): void {
  res.writeHead(answer.status, { 'Content-Type': 'application/json', 'Content-Length': answer.bodyBytes, 'x-amzn-RequestId': requestId });
  res.flushHeaders();
  setTimeout(() => res.destroy(), 50).unref();
}

/**
 * The recovery worker's re-drive, told in the timeline of the demo order it finishes; every
 * other record is re-driven untouched.
 */
export function watchRedrive<R extends { tenant: string; idempotencyKey: string }, A extends { statusCode: number }>(
  redrive: (record: R, context: Context) => Promise<A>,
  deps: Pick<WatchDeps, 'orders' | 'tracker'>,
): (record: R, context: Context) => Promise<A> {
  return async (record, context) => {
    const order: DemoOrder | undefined = deps.orders.byKey(record.idempotencyKey);
    if (!order) return redrive(record, context);
    deps.orders.noteKey(order, record.idempotencyKey, record.tenant);
    await deps.tracker.refresh(order);
    order.timeline.add(
      Actor.Recovery,
      `Recovery worker: key ${short(record.idempotencyKey)} is IN_PROGRESS with its lease lapsed and nobody finishing it, so the ` +
        'worker runs the stored request again, with the same execution id.',
    );
    const response = await redrive(record, context);
    await deps.tracker.refresh(order);
    order.timeline.add(
      Actor.Recovery,
      `Recovery worker: finished with ${response.statusCode}. The browser's next request with this key gets that answer as a replay.`,
    );
    return response;
  };
}
