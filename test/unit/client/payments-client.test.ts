import { inspect } from 'node:util';
import type { RetryEvent } from '../../../client/config';
import {
  AuthenticationError,
  CardDeclinedError,
  IdempotencyKeyReusedError,
  NotFoundError,
  PaymentsClient,
  PaymentsConnectionError,
  RequestInProgressError,
  ServerError,
} from '../../../client';

/** One scripted answer: a response (built per call, a body is read once), a thrown error, or no answer until aborted. */
type Step = (() => Response) | Error | 'hang';

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
}

function scriptedFetch(steps: Step[]) {
  const calls: Call[] = [];
  const impl: typeof fetch = async (input, init = {}) => {
    calls.push({
      url: String(input),
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
      signal: init.signal!,
    });
    const step = steps.shift();
    if (step === undefined) throw new Error('the script has no more answers');
    if (step === 'hang') return new Promise<Response>((_, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)));
    if (step instanceof Error) throw step;
    return step();
  };
  return { impl, calls };
}

const PROBLEM = { 'Content-Type': 'application/problem+json' };
const problem = (status: number, code: string, headers: Record<string, string> = {}, extra: object = {}) => () =>
  new Response(JSON.stringify({ type: `urn:idempotent-payments:problem:${code}`, title: 'T', status, detail: `detail of ${code}`, code, ...extra }), {
    status,
    headers: { ...PROBLEM, ...headers },
  });
const payment = { id: 'pay_0123456789abcdef0123456789abcdef', object: 'payment', amount: 1000, currency: 'usd', source: 'tok_visa', customer: null, description: null, metadata: {}, status: 'succeeded', charge: 'ch_1', created: 1 };
const created = (headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify(payment), { status: 201, headers: { 'Content-Type': 'application/json', ...headers } });
const resetByPeer = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
const params = { amount: 1000, currency: 'usd', source: 'tok_visa' } as const;
/** Shaped like a key; no server knows it. */
const SECRET_KEY = `sk_test_${'0123456789abcdef'.repeat(3)}`;

function clientWith(steps: Step[], overrides: { timeoutMs?: number; maxAttempts?: number } = {}) {
  const fetch = scriptedFetch(steps);
  const retries: RetryEvent[] = [];
  const client = new PaymentsClient({
    baseUrl: 'http://api.test/',
    secretKey: SECRET_KEY,
    timeoutMs: overrides.timeoutMs ?? 1_000,
    retry: { maxAttempts: overrides.maxAttempts ?? 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 20, random: () => 0.5 },
    fetch: fetch.impl,
    onRetry: (event) => retries.push(event),
  });
  return { client, calls: fetch.calls, retries };
}

describe('PaymentsClient.createPayment: one key per payment', () => {
  test('without a key, it generates a UUID, sends it on every attempt with the same body bytes, and returns it', async () => {
    const { client, calls } = clientWith([resetByPeer(), 'hang', problem(503, 'store_unavailable'), created()], { timeoutMs: 50 });

    const result = await client.createPayment(params);

    expect(result.idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(result.attempts).toBe(4);
    expect(calls.map((c) => c.headers['Idempotency-Key'])).toEqual(Array(4).fill(result.idempotencyKey));
    expect(new Set(calls.map((c) => c.body))).toEqual(new Set(['{"amount":1000,"currency":"usd","source":"tok_visa"}']));
    expect(calls[0]).toMatchObject({ url: 'http://api.test/payments', method: 'POST' });
    expect(calls[0]!.headers).toMatchObject({ Authorization: `Bearer ${SECRET_KEY}`, 'Content-Type': 'application/json' });
    expect(Object.keys(calls[0]!.headers).map((name) => name.toLowerCase())).not.toContain('x-api-key');
  });

  test('the caller’s key is sent as given', async () => {
    const { client, calls } = clientWith([created()]);
    const result = await client.createPayment(params, { idempotencyKey: 'order-1001' });
    expect(result.idempotencyKey).toBe('order-1001');
    expect(calls[0]!.headers['Idempotency-Key']).toBe('order-1001');
  });

  test('two calls without a key are two payments: two different keys', async () => {
    const { client, calls } = clientWith([created(), created()]);
    await client.createPayment(params);
    await client.createPayment(params);
    expect(calls[0]!.headers['Idempotency-Key']).not.toBe(calls[1]!.headers['Idempotency-Key']);
  });

  test('Idempotent-Replayed: true is reported as replayed', async () => {
    const { client } = clientWith([created({ 'Idempotent-Replayed': 'true' })]);
    expect(await client.createPayment(params)).toMatchObject({ replayed: true, payment, attempts: 1 });
  });

  test('a body changed by the caller after the call started does not change what the retries send', async () => {
    const mutable: { amount: number; currency: string; source: 'tok_visa' } = { ...params };
    const { client, calls } = clientWith([resetByPeer(), created()]);
    const pending = client.createPayment(mutable);
    mutable.amount = 5;
    await pending;
    expect(calls[1]!.body).toBe(calls[0]!.body);
  });
});

describe('PaymentsClient: the secret key', () => {
  test('is required, with an error that says what it is and where one comes from', () => {
    for (const secretKey of [undefined, '']) {
      expect(() => new PaymentsClient({ baseUrl: 'http://api.test', secretKey: secretKey as unknown as string })).toThrow(
        /secretKey is required: .*sk_test_.*Authorization: Bearer.*npm run keys -- create/,
      );
    }
  });

  test('that could not travel in a header is refused without being echoed', () => {
    const error = (() => {
      try {
        return new PaymentsClient({ baseUrl: 'http://api.test', secretKey: `${SECRET_KEY}\n` });
      } catch (e) {
        return e as Error;
      }
    })() as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).not.toContain(SECRET_KEY);
  });

  test('never shows when the client is logged or inspected', () => {
    const { client } = clientWith([]);
    expect(inspect(client, { depth: 5, showHidden: true })).not.toContain(SECRET_KEY);
    expect(JSON.stringify(client)).not.toContain(SECRET_KEY);
  });

  test('a 401 is an AuthenticationError, not retried: the same key cannot do better', async () => {
    const { client, calls } = clientWith([problem(401, 'unauthorized', { 'WWW-Authenticate': 'Bearer' })]);
    const error = await client.createPayment(params, { idempotencyKey: 'k-401' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: 'unauthorized', status: 401, retryable: false, attempts: 1 });
    expect(calls).toHaveLength(1);
  });
});

describe('PaymentsClient: what is retried', () => {
  test('an attempt that outlives timeoutMs is aborted, then retried', async () => {
    const { client, calls, retries } = clientWith(['hang', created()], { timeoutMs: 30 });
    const result = await client.createPayment(params);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(retries.map((r) => r.reason)).toEqual(['timeout']);
    expect(result.attempts).toBe(2);
  });

  test('409 is retried after Retry-After (capped at maxRetryAfterMs), then the replay is returned', async () => {
    const { client, retries } = clientWith([problem(409, 'request_in_progress', { 'Retry-After': '11' }), created({ 'Idempotent-Replayed': 'true' })]);
    const result = await client.createPayment(params, { idempotencyKey: 'k-409' });
    expect(retries).toEqual([{ method: 'POST', path: '/payments', idempotencyKey: 'k-409', attempt: 1, reason: 409, delayMs: 20 }]);
    expect(result.replayed).toBe(true);
  });

  test.each([
    [402, 'card_declined', CardDeclinedError],
    [422, 'idempotency_key_reused', IdempotencyKeyReusedError],
  ])('%i %s is not retried and is thrown typed, with the key', async (status, code, ErrorClass) => {
    const { client, calls } = clientWith([problem(status, code, {}, { payment: payment.id })]);
    const error = await client.createPayment(params, { idempotencyKey: 'k-final' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toMatchObject({ code, status, idempotencyKey: 'k-final', attempts: 1, retryable: false, replayed: false });
    expect(calls).toHaveLength(1);
  });

  test('a declined payment names the recorded payment', async () => {
    const { client } = clientWith([problem(402, 'card_declined', { 'Idempotent-Replayed': 'true' }, { payment: payment.id })]);
    const error = (await client.createPayment(params).catch((e: unknown) => e)) as CardDeclinedError;
    expect(error.paymentId).toBe(payment.id);
    expect(error.replayed).toBe(true);
  });

  test('409 on every attempt ends in RequestInProgressError with the server’s Retry-After', async () => {
    const steps = Array.from({ length: 3 }, () => problem(409, 'request_in_progress', { 'Retry-After': '2' }));
    const { client, calls } = clientWith(steps, { maxAttempts: 3 });
    const error = await client.createPayment(params, { idempotencyKey: 'k-busy' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestInProgressError);
    expect(error).toMatchObject({ attempts: 3, retryAfterMs: 2_000, retryable: true, idempotencyKey: 'k-busy' });
    expect(calls).toHaveLength(3);
  });

  test('no answer on every attempt ends in PaymentsConnectionError naming the key to retry with', async () => {
    const { client } = clientWith([resetByPeer(), resetByPeer()], { maxAttempts: 2 });
    const error = await client.createPayment(params, { idempotencyKey: 'k-offline' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentsConnectionError);
    expect(error).toMatchObject({ code: 'network_error', idempotencyKey: 'k-offline', attempts: 2, retryable: true });
    expect((error as Error).message).toContain('ECONNRESET');
  });

  test('a 502 that is not problem+json (a proxy’s HTML page) is retried, then a ServerError', async () => {
    const html = () => new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } });
    const { client, calls } = clientWith([html, html], { maxAttempts: 2 });
    const error = await client.createPayment(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'http_502', status: 502, problem: { type: 'about:blank', status: 502 } });
    expect(calls).toHaveLength(2);
  });
});

describe('PaymentsClient.getPayment', () => {
  test('GETs the encoded id without an Idempotency-Key and retries a reset', async () => {
    const ok = () => new Response(JSON.stringify(payment), { status: 200 });
    const { client, calls } = clientWith([resetByPeer(), ok]);
    expect(await client.getPayment(payment.id)).toEqual(payment);
    expect(calls.map((c) => [c.method, c.url])).toEqual(Array(2).fill(['GET', `http://api.test/payments/${payment.id}`]));
    expect(calls[0]!.headers['Idempotency-Key']).toBeUndefined();
  });

  test('404 is a NotFoundError, not retried', async () => {
    const { client, calls } = clientWith([problem(404, 'not_found')]);
    const error = await client.getPayment('pay_x/../y').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ idempotencyKey: undefined, status: 404 });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('http://api.test/payments/pay_x%2F..%2Fy');
  });
});
