/**
 * The README's "client in five lines" (docs/client-snippet.md), verbatim inside main(), runnable
 * against local mode: `PAYMENTS_SECRET_KEY=sk_test_… npx tsx client/examples/create-payment.ts`
 * (PAYMENTS_URL overrides http://127.0.0.1:3000, as in checkout.ts).
 */
import { PaymentsClient } from '..';

async function main(): Promise<void> {
  // The environment is read here, at the edge; local mode's banner prints a key the first time it starts.
  if (!process.env.PAYMENTS_SECRET_KEY) throw new Error('PAYMENTS_SECRET_KEY is not set: export the secret key local mode printed on its first start, or make one with `npm run keys -- create local-dev`.');
  const payments = new PaymentsClient({ baseUrl: process.env.PAYMENTS_URL ?? 'http://127.0.0.1:3000', secretKey: process.env.PAYMENTS_SECRET_KEY! });
  const idempotencyKey = crypto.randomUUID(); // in your app: made with the order, stored with it
  const { payment, replayed } = await payments.createPayment({ amount: 1000, currency: 'usd', source: 'tok_visa' }, { idempotencyKey });
  console.log(payment.id, payment.status, replayed ? 'replayed' : 'new');

  // Not in the snippet: the same key again is the same payment, answered from the stored result.
  const again = await payments.createPayment({ amount: 1000, currency: 'usd', source: 'tok_visa' }, { idempotencyKey });
  console.log(again.payment.id, again.payment.status, again.replayed ? 'replayed' : 'new');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
