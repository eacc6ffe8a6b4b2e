/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import {
  type CreatePaymentParams,
  type CreatePaymentResult,
  IdempotencyKeyReusedError,
  PaymentsApiError,
  PaymentsConnectionError,
} from '../../../client';
import type { OrderView } from '../tracker';
import { armFault, type Heard, paymentsClient } from './api';
import type { Journal, Tone } from './journal';
import { money, short } from './view';

type Order = OrderView['order'];

export interface CaseContext {
  order: Order;
  journal: Journal;
  functionTimeoutSeconds: number;
  /** Reads the order from the server, and redraws the page with it. */
  refresh(): Promise<OrderView>;
  status(text: string, tone?: Tone): void;
}

/**
 * The key every attempt to pay this order sends: the one the server made with the order and
 * keeps with it (integration guide, steps 1 and 2). Never a new one per click or per retry.
 */
export const keyOf = (order: Order): string => order.idempotencyKey;

/** The body of the order's payment, built from the order alone, so every attempt sends the same bytes. */
export function paymentOf(order: Order): CreatePaymentParams {
  return {
    amount: order.amount,
    currency: order.currency,
    source: 'tok_visa',
    description: `Order ${order.id}: ${order.description}`,
    metadata: { order_id: order.id },
  };
}

function heardText({ status, replayed, retryAfter, code }: Heard): string {
  if (status >= 200 && status < 300 && replayed) return `heard ${status}, replayed: the answer stored for this key, not a new payment.`;
  if (status === 201) return 'heard 201 Created: the payment is made.';
  if (status === 409) return `heard 409 Conflict${retryAfter ? `, Retry-After: ${retryAfter} s` : ''}: a request with this key is still running.`;
  if (status === 422) return 'heard 422: this key was already used for a different request.';
  if (status >= 500) return `heard ${status}${code ? ` (${code})` : ''}: the server did not finish. Nothing final was said, so asking again with the same key is safe.`;
  return `heard ${status}${code ? ` (${code})` : ''}.`;
}

function noAnswerText(error: unknown): string {
  if (error instanceof DOMException && error.name === 'AbortError') return 'No answer in time: the page cannot know whether the card was charged.';
  return 'The connection broke before the answer arrived: the page cannot know whether the card was charged.';
}

function failureText(error: unknown, order: Order): string {
  if (error instanceof IdempotencyKeyReusedError) {
    return (
      `refused with 422: this key already belongs to the payment of ${money(order.amount, order.currency)}. A key names one payment, ` +
      'and the server will not guess which one was meant. Nothing was charged.'
    );
  }
  if (error instanceof PaymentsConnectionError) {
    return `gave up after ${error.attempts} attempts without an answer. The order keeps its key, so paying it later is still safe.`;
  }
  if (error instanceof PaymentsApiError) return `stopped after ${error.attempts} attempt(s) on ${error.status}: ${error.message}`;
  return `failed: ${error instanceof Error ? error.message : String(error)}`;
}

/** One call of the client, as the page's code makes it: the order's key, the order's body, retries inside. */
async function payWith(ctx: CaseContext, label: string, params: CreatePaymentParams = paymentOf(ctx.order)): Promise<CreatePaymentResult | undefined> {
  const { journal, order } = ctx;
  const key = keyOf(order);
  const client = await paymentsClient({
    sent: (attempt) => journal.add(`${label}, attempt ${attempt}: sent POST /payments with key ${short(key)}.`),
    heard: (attempt, heard) => journal.add(`${label}, attempt ${attempt}: ${heardText(heard)}`),
    noAnswer: (attempt, error) => journal.add(`${label}, attempt ${attempt}: heard nothing. ${noAnswerText(error)}`),
    retrying: (event) => journal.add(`${label}: waiting ${(event.delayMs / 1000).toFixed(1)} s, then asking again with the same key.`),
  });
  try {
    const result = await client.createPayment(params, { idempotencyKey: key });
    const stored = result.replayed ? ', from the answer stored for this key' : '';
    journal.add(`${label}: paid. Payment ${result.payment.id}, charge ${result.payment.charge}${stored}.`, 'good');
    return result;
  } catch (error) {
    journal.add(`${label}: ${failureText(error, order)}`, 'bad');
    return undefined;
  }
}

function settle(ctx: CaseContext, result: CreatePaymentResult | undefined): void {
  const { order } = ctx;
  if (result) ctx.status(`Paid: ${result.payment.id}, ${money(order.amount, order.currency)}.`, 'good');
  else ctx.status('Not paid: see what happened, on the right. Paying again is safe: it sends the same key.', 'bad');
}

export async function pay(ctx: CaseContext): Promise<void> {
  ctx.journal.add(`You clicked Pay: one request, with this order's key ${short(keyOf(ctx.order))}.`);
  settle(ctx, await payWith(ctx, 'Pay'));
}

export async function doubleClick(ctx: CaseContext): Promise<void> {
  ctx.journal.add(`You double-clicked Pay: two requests leave at the same moment, both with this order's key ${short(keyOf(ctx.order))}.`);
  const [first, second] = await Promise.all([payWith(ctx, 'Click 1'), payWith(ctx, 'Click 2')]);
  if (first && second) {
    const same = first.payment.id === second.payment.id;
    ctx.journal.add(
      same
        ? `Both clicks got the same payment, ${first.payment.id}: one payment, one charge.`
        : `The clicks got two payments, ${first.payment.id} and ${second.payment.id}: the card was charged twice.`,
      same ? 'good' : 'bad',
    );
  }
  settle(ctx, first ?? second);
}

/** Starts paying, waits until the server has the request, then reloads: the answer is never heard. */
export async function reloadWhilePaying(ctx: CaseContext, reload: () => void): Promise<void> {
  ctx.journal.add('You clicked Pay, and reloaded the page before the answer came back.');
  const before = (await ctx.refresh()).requests;
  void payWith(ctx, 'Before the reload');
  const deadlineEpochMs = Date.now() + 5_000;
  while ((await ctx.refresh()).requests <= before && Date.now() < deadlineEpochMs) await new Promise((r) => setTimeout(r, 50));
  ctx.journal.freeze();
  reload();
}

/** After a reload in the middle of paying: the same order, the same key, asked again. */
export async function resumeAfterReload(ctx: CaseContext): Promise<void> {
  ctx.journal.add(
    `The page reloaded, and got order ${ctx.order.id} back from the server with the same key, ${short(keyOf(ctx.order))}. ` +
      'It never heard how the payment ended, so it asks again, with that key.',
  );
  settle(ctx, await payWith(ctx, 'After the reload'));
}

export async function loseTheAnswer(ctx: CaseContext): Promise<void> {
  ctx.journal.add('You armed "lose the answer" and clicked Pay: the server will charge the card and answer, but the answer will not reach this page.');
  await armFault(ctx.order.id, 'lose-answer');
  settle(ctx, await payWith(ctx, 'Pay'));
}

export async function crashTheFunction(ctx: CaseContext): Promise<void> {
  const seconds = ctx.functionTimeoutSeconds;
  if ((await ctx.refresh()).payment) {
    ctx.journal.add(
      'This order is paid already: the server answers from its record without charging again, so there is nothing to crash. ' +
        'The page pays once more (a replay); start a new order to see the crash.',
    );
    settle(ctx, await payWith(ctx, 'Pay'));
    return;
  }
  ctx.journal.add(
    'You armed "crash the function" and clicked Pay: the server will charge the card, then die before saving the result. ' +
      `Its lock on the key lasts until its time limit, ${seconds} s, and a second more: expect to wait that long.`,
  );
  await armFault(ctx.order.id, 'crash');
  ctx.status(`Paying… The function crashed on purpose; its lock on the key runs out after about ${seconds + 1} s.`);
  settle(ctx, await payWith(ctx, 'Pay'));
}

export async function sameKeyAnotherAmount(ctx: CaseContext, paymentId: string): Promise<void> {
  const { order } = ctx;
  const params = { ...paymentOf(order), amount: order.amount + 100 };
  ctx.journal.add(
    `You sent this order's key again with another amount, ${money(params.amount, order.currency)} instead of ` +
      `${money(order.amount, order.currency)}, as a page with a bug might.`,
  );
  const result = await payWith(ctx, 'Another amount', params);
  if (result) ctx.status(`Unexpected: the server accepted another amount with this key (${result.payment.id}).`, 'bad');
  else ctx.status(`Refused with 422, nothing charged. The order is still paid: ${paymentId}, ${money(order.amount, order.currency)}.`, 'good');
}
