/**
 * The integration guide's procedure, end to end: `npx tsx client/examples/checkout.ts` against
 * local mode, with PAYMENTS_SECRET_KEY set (PAYMENTS_URL overrides http://127.0.0.1:3000).
 */
import { randomUUID } from 'node:crypto';
import { type CardSource, CardDeclinedError, PaymentsClient, PaymentsError } from '..';

interface Order {
  id: string;
  amount: number;
  currency: string;
  /** The Idempotency-Key of this order's payment: made with the order, saved with it. */
  paymentKey: string;
  paymentId?: string;
}

/** Stands in for your database. */
const orders = new Map<string, Order>();

/** Step 1: the key is made when the order is created, on the server, and stored with the order. */
function createOrder(amount: number, currency: string): Order {
  const order: Order = { id: `order-${orders.size + 1}`, amount, currency, paymentKey: randomUUID() };
  orders.set(order.id, order);
  return order;
}

/** Step 2: every attempt to pay this order, from whichever process, sends the order's key. */
async function payOrder(client: PaymentsClient, order: Order, source: CardSource): Promise<string> {
  const params = { amount: order.amount, currency: order.currency, source, metadata: { order: order.id } };
  try {
    const { payment, replayed } = await client.createPayment(params, { idempotencyKey: order.paymentKey });
    order.paymentId = payment.id;
    return `${order.id}: ${payment.status} ${payment.id}${replayed ? ' (replayed)' : ''}`;
  } catch (error) {
    if (error instanceof CardDeclinedError) {
      // Step 3: a decline is a finished answer for this key. Another card is a new intent: a new key.
      order.paymentKey = randomUUID();
      return `${order.id}: declined, failed payment ${error.paymentId}; the next card gets a new key`;
    }
    if (error instanceof PaymentsError && error.retryable) {
      // No answer, 409 or 5xx even after the client's retries: keep the key and try again later.
      return `${order.id}: not finished (${error.code}); retry later with key ${error.idempotencyKey}`;
    }
    throw error; // 400, 401, 422: a bug to fix, not an answer to retry
  }
}

async function main(): Promise<void> {
  // The environment is read here, at the edge; local mode's banner prints a key the first time it starts.
  if (!process.env.PAYMENTS_SECRET_KEY) throw new Error('PAYMENTS_SECRET_KEY is not set: export the secret key local mode printed on its first start, or make one with `npm run keys -- create local-dev`.');
  const client = new PaymentsClient({ baseUrl: process.env.PAYMENTS_URL ?? 'http://127.0.0.1:3000', secretKey: process.env.PAYMENTS_SECRET_KEY! });

  const order = createOrder(2500, 'usd');
  // A double click: two requests for the same order at the same time.
  const [first, second] = await Promise.all([payOrder(client, order, 'tok_visa'), payOrder(client, order, 'tok_visa')]);
  console.log(first);
  console.log(second);
  // The customer refreshes the page and pays again: still the same payment.
  console.log(await payOrder(client, order, 'tok_visa'));

  const other = createOrder(990, 'eur');
  console.log(await payOrder(client, other, 'tok_chargeDeclined'));
  console.log(await payOrder(client, other, 'tok_visa'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
