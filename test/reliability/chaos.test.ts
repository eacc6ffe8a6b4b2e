import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { CardDeclinedError, type CreatePaymentParams, type Payment, PaymentsClient, type RetryEvent } from '../../client';
import { ledgerFigures, soundLedger, storedPayment } from '../helpers/ledger';
import { type LocalServer, startLocalServer } from '../helpers/local-server';
import { histogram, mapConcurrently, muteExpectedLogs, scaled, suiteResults } from '../helpers/reliability';
import { readTable } from '../helpers/table-contents';

// The full run (RELIABILITY_FULL=1) takes minutes, not seconds.
jest.setTimeout(scaled(60_000, 900_000));

// Local mode over HTTP with a processor that fails 30 % of the time (half before the charge, half
// after it with the answer lost) and answers slowly; several clients per payment retry with the
// same key and backoff. Every operation must end with exactly one charge and one payment, and
// every client must end holding that payment.
const OPERATIONS = scaled(40, 400);
const CLIENTS_PER_OPERATION = 3;
const OPERATIONS_IN_FLIGHT = scaled(8, 16);
const FAILURE_RATE = 0.3;
const LATENCY_MS = 20;
muteExpectedLogs();
const results = suiteResults('chaos');

interface ClientOutcome {
  paymentId?: string;
  payment?: Payment;
  declined?: boolean;
  attempts: number;
  error?: string;
}

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer({ label: 'chaos', config: { processor: { failureRate: FAILURE_RATE, latencyMs: LATENCY_MS } } });
});
afterAll(() => server.close());

function operation(index: number): { tenant: string; key: string; params: CreatePaymentParams } {
  return {
    tenant: index % 2 === 0 ? 'tenant-a' : 'tenant-b',
    key: `chaos-${index}`,
    params: { amount: 100 + index, currency: 'usd', source: index % 10 === 0 ? 'tok_chargeDeclined' : 'tok_visa', metadata: { op: String(index) } },
  };
}

async function pay(client: PaymentsClient, params: CreatePaymentParams, idempotencyKey: string): Promise<ClientOutcome> {
  await sleep(Math.random() * 30); // the clients of one operation do not start in lockstep
  try {
    const result = await client.createPayment(params, { idempotencyKey });
    return { paymentId: result.payment.id, payment: result.payment, attempts: result.attempts };
  } catch (error) {
    if (error instanceof CardDeclinedError) return { paymentId: error.paymentId, declined: true, attempts: error.attempts };
    return { error: String(error), attempts: (error as { attempts?: number }).attempts ?? 0 };
  }
}

test(`${OPERATIONS} payments, ${CLIENTS_PER_OPERATION} retrying clients each, ${FAILURE_RATE * 100} % processor failures: one charge and one payment per operation`, results.checked(async () => {
  const retries: RetryEvent[] = [];
  const retry = { maxAttempts: 40, baseDelayMs: 10, maxDelayMs: 200, maxRetryAfterMs: 200, maxElapsedMs: 120_000 };
  const clients: Record<string, PaymentsClient> = {};
  for (const tenant of ['tenant-a', 'tenant-b']) {
    clients[tenant] = new PaymentsClient({ baseUrl: server.url, secretKey: await server.keys.secretKey(tenant), retry, onRetry: (e) => retries.push(e) });
  }
  const startedAtMs = Date.now();

  const outcomes = await mapConcurrently(
    Array.from({ length: OPERATIONS }, (_, i) => operation(i)),
    OPERATIONS_IN_FLIGHT,
    ({ tenant, key, params }) => Promise.all(Array.from({ length: CLIENTS_PER_OPERATION }, () => pay(clients[tenant]!, params, key))),
  );
  const durationMs = Date.now() - startedAtMs;

  const contents = await readTable(server.client, server.tableName);
  const ledger = ledgerFigures(contents);
  const mismatches: string[] = [];
  outcomes.forEach((clientsOutcomes, index) => {
    const { tenant, key, params } = operation(index);
    const stored = storedPayment(contents, tenant, key);
    for (const outcome of clientsOutcomes) {
      const ok = stored && !outcome.error && outcome.paymentId === stored.id && (outcome.declined ? stored.status === 'failed' : outcome.payment !== undefined);
      const same = outcome.payment === undefined || isDeepStrictEqual(outcome.payment, stored);
      if (!ok || !same || stored.amount !== params.amount) mismatches.push(`${key}: ${JSON.stringify(outcome)} vs ${JSON.stringify(stored)}`);
    }
  });
  const reasons = histogram(retries.map((e) => e.reason));
  results.add({
    operations: OPERATIONS,
    clients: OPERATIONS * CLIENTS_PER_OPERATION,
    operationsInFlight: OPERATIONS_IN_FLIGHT,
    processor: { failureRate: FAILURE_RATE, latencyMs: LATENCY_MS },
    httpRequests: outcomes.flat().reduce((sum, o) => sum + o.attempts, 0),
    retriesByReason: reasons,
    durationMs,
    ledger,
    clientsNotHoldingTheStoredPayment: mismatches.length,
  });

  expect(mismatches).toEqual([]);
  expect(ledger).toEqual(soundLedger(OPERATIONS));
  expect(reasons['502']).toBeGreaterThan(0); // the processor really failed along the way
  expect(reasons['409'] ?? 0).toBeGreaterThan(0); // and clients of one operation really overlapped
}));
