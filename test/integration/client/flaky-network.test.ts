import { CardDeclinedError, PaymentsClient, type RetryEvent } from '../../../client';
import { Fault, type FlakyProxy, startFlakyProxy } from '../../helpers/flaky-proxy';
import { type LocalServer, type LocalServerOptions, startLocalServer } from '../../helpers/local-server';
import { expectExactlyOnePayment } from '../../helpers/one-payment';
import { readTable } from '../../helpers/table-contents';
import { testSecretKey } from '../../helpers/test-keys';

const TENANT = 'tenant-flaky';
const visa = { amount: 4200, currency: 'eur', source: 'tok_visa', metadata: { order: 'o-1' } } as const;

let server: LocalServer;
let proxy: FlakyProxy;
let retries: RetryEvent[];

async function start(options: LocalServerOptions = {}): Promise<void> {
  server = await startLocalServer({ label: 'client-flaky', ...options });
  await server.keys.authorization(TENANT);
  proxy = await startFlakyProxy(server.url);
}

/** A client that talks to the server through the proxy, quick to retry. Tests that stall use a short timeout. */
function clientThroughProxy(overrides: { timeoutMs?: number; maxAttempts?: number } = {}): PaymentsClient {
  retries = [];
  return new PaymentsClient({
    baseUrl: proxy.url,
    secretKey: testSecretKey(TENANT),
    timeoutMs: overrides.timeoutMs ?? 5_000,
    retry: { maxAttempts: overrides.maxAttempts ?? 6, baseDelayMs: 20, maxDelayMs: 200, maxRetryAfterMs: 200 },
    onRetry: (event) => retries.push(event),
  });
}

afterEach(async () => {
  await proxy?.close();
  await server?.close();
});

describe('the retrying client over a flaky network: one payment, whatever the network does', () => {
  test('the connection drops after the server charged: the retry is answered from the record (replayed), one charge', async () => {
    await start();
    const client = clientThroughProxy();
    proxy.failNext(Fault.DropAfterResponse);

    const result = await client.createPayment(visa);

    await expectExactlyOnePayment({ server, client, proxy, tenant: TENANT, paymentId: result.payment.id, idempotencyKey: result.idempotencyKey, returned: result.payment });
    expect(proxy.requests[0]).toMatchObject({ fault: Fault.DropAfterResponse, upstreamStatus: 201 });
    expect(retries.map((r) => r.reason)).toEqual(['network_error']);
    expect(result).toMatchObject({ replayed: true, attempts: 2, payment: { status: 'succeeded', amount: 4200 } });
  });

  test('the answer stalls past the client’s timeout: the attempt is aborted, the retry is replayed, one charge', async () => {
    await start();
    const client = clientThroughProxy({ timeoutMs: 1_000 });
    proxy.failNext(Fault.Stall);

    const result = await client.createPayment(visa);

    await expectExactlyOnePayment({ server, client, proxy, tenant: TENANT, paymentId: result.payment.id, idempotencyKey: result.idempotencyKey, returned: result.payment });
    expect(proxy.requests[0]).toMatchObject({ fault: Fault.Stall, upstreamStatus: 201 });
    expect(retries[0]!.reason).toBe('timeout');
    expect(result.replayed).toBe(true);
  });

  test('the connection is reset before the request reached the server: the retry makes the payment, one charge', async () => {
    await start();
    const client = clientThroughProxy();
    proxy.failNext(Fault.ResetBeforeForward);

    const result = await client.createPayment(visa);

    await expectExactlyOnePayment({ server, client, proxy, tenant: TENANT, paymentId: result.payment.id, idempotencyKey: result.idempotencyKey, returned: result.payment });
    expect(proxy.requests[0]).toMatchObject({ fault: Fault.ResetBeforeForward });
    expect(proxy.requests[0]!.upstreamStatus).toBeUndefined();
    expect(result).toMatchObject({ replayed: false, attempts: 2 });
  });

  test('every fault in a row, with the caller’s own key: one payment under that key', async () => {
    await start();
    const client = clientThroughProxy({ timeoutMs: 1_000 });
    proxy.failNext(Fault.ResetBeforeForward, Fault.DropAfterResponse, Fault.Stall, Fault.DropAfterResponse, Fault.ResetBeforeForward);

    const result = await client.createPayment(visa, { idempotencyKey: 'order-7731-payment' });

    await expectExactlyOnePayment({ server, client, proxy, tenant: TENANT, paymentId: result.payment.id, idempotencyKey: 'order-7731-payment', returned: result.payment });
    expect(proxy.requests.slice(0, 5).map((r) => r.fault)).toEqual(['reset-before-forward', 'drop-after-response', 'stall', 'drop-after-response', 'reset-before-forward']);
    expect(retries[2]!.reason).toBe('timeout');
    expect(result).toMatchObject({ idempotencyKey: 'order-7731-payment', replayed: true, attempts: retries.length + 1 });
    expect(result.attempts).toBeGreaterThanOrEqual(6);
  });

  test('a slow server: the client times out while the first request still runs, gets 409s, then the stored answer', async () => {
    await start({ config: { processor: { latencyMs: 1_200 } } });
    const client = clientThroughProxy({ timeoutMs: 300, maxAttempts: 20 });

    const result = await client.createPayment(visa);

    await expectExactlyOnePayment({ server, client, proxy, tenant: TENANT, paymentId: result.payment.id, idempotencyKey: result.idempotencyKey, returned: result.payment });
    expect(retries[0]!.reason).toBe('timeout');
    expect(retries.map((r) => r.reason)).toContain(409);
    expect(result).toMatchObject({ replayed: true });
  });

  test('a decline whose answer was dropped is replayed as the same decline: one failed payment, one charge', async () => {
    await start();
    const client = clientThroughProxy();
    proxy.failNext(Fault.DropAfterResponse);

    const error = (await client.createPayment({ ...visa, source: 'tok_chargeDeclined' }).catch((e: unknown) => e)) as CardDeclinedError;

    expect(error).toBeInstanceOf(CardDeclinedError);
    expect(error).toMatchObject({ status: 402, code: 'card_declined', replayed: true, attempts: 2, retryable: false });
    expect(proxy.requests[0]!.upstreamStatus).toBe(402);
    await expectExactlyOnePayment({ server, client, proxy, tenant: TENANT, paymentId: error.paymentId!, idempotencyKey: error.idempotencyKey! });
    expect(await client.getPayment(error.paymentId!)).toMatchObject({ status: 'failed' });
  });

  test('when every attempt fails the error names the key; a later call with that key finishes the same payment', async () => {
    await start();
    const client = clientThroughProxy({ maxAttempts: 2 });
    proxy.failNext(Fault.DropAfterResponse, Fault.DropAfterResponse);

    const error = (await client.createPayment(visa).catch((e: unknown) => e)) as { code: string; idempotencyKey: string; retryable: boolean };
    expect(error).toMatchObject({ code: 'network_error', retryable: true });
    expect((await readTable(server.client, server.tableName)).charges).toHaveLength(1); // charged, unknown to the client

    const later = await client.createPayment(visa, { idempotencyKey: error.idempotencyKey });
    expect(later).toMatchObject({ replayed: true, attempts: 1 });
    await expectExactlyOnePayment({ server, client, proxy, tenant: TENANT, paymentId: later.payment.id, idempotencyKey: error.idempotencyKey, returned: later.payment });
  });
});
