import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessorUnavailableError } from '../../../lambda/payments/processor';
import { TableSchema } from '../../../lambda/shared/table';
import { createDriver, deferred, type Driver, type DriverKind, validPayment } from '../../helpers/drivers';

// Every row of the SPEC's Idempotency-Key table, once through the handler and once over HTTP
// through local mode, against DynamoDB Local.
describe.each<DriverKind>(['handler', 'http'])('Idempotency-Key rules (%s)', (kind) => {
  let driver: Driver;
  beforeEach(async () => {
    driver = await createDriver(kind);
  });
  afterEach(() => driver.close());

  const expectProblem = (reply: { status: number; headers: Record<string, string>; json: any }, status: number, code: string) => {
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(reply.json).toMatchObject({ status, code, type: expect.stringContaining(code), title: expect.any(String), detail: expect.any(String) });
    expect(JSON.stringify(reply.json)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack traces
  };

  const expectNothingStored = async () => {
    const contents = await driver.contents();
    expect(contents).toEqual({ records: [], payments: [], charges: [] });
  };

  test('a POST without Idempotency-Key is a 400 that stores nothing and costs no DynamoDB request', async () => {
    const reply = await driver.post({ body: validPayment });
    expectProblem(reply, 400, 'idempotency_key_missing');
    expect(driver.requests.total()).toBe(0);
    await expectNothingStored();
  });

  test.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['containing a space', 'has space'],
    ['non-ASCII', 'clé-1'],
    ['quoted but empty', '""'],
  ])('a key that is %s is a 400 that stores nothing', async (_label, key) => {
    const reply = await driver.post({ key, body: validPayment });
    expectProblem(reply, 400, 'idempotency_key_invalid');
    expect(driver.requests.total()).toBe(0);
    await expectNothingStored();
  });

  test('a 255-character key of visible ASCII is accepted', async () => {
    const reply = await driver.post({ key: '!~'.repeat(127) + 'x', body: validPayment });
    expect(reply.status).toBe(201);
  });

  test('a key sent as an RFC 8941 quoted string names the same operation as the bare key', async () => {
    const first = await driver.post({ key: '"order-42"', body: validPayment });
    const second = await driver.post({ key: 'order-42', body: validPayment });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.text).toBe(first.text);
    expect(first.headers['idempotency-key']).toBe('order-42');
  });

  test.each([
    ['invalid JSON', '{"amount": 1000,', 'invalid_json'],
    ['a schema violation', { amount: 10.5, currency: 'USD', source: 'tok_visa' }, 'invalid_request'],
    ['an unknown field', { ...validPayment, coupon: 'FREE' }, 'invalid_request'],
    ['an unknown card token', { ...validPayment, source: 'tok_mastercard' }, 'invalid_request'],
  ])('a body with %s is a 400 that leaves the key free', async (_label, body, code) => {
    const reply = await driver.post({ key: 'k-invalid-body', body });
    expectProblem(reply, 400, code);
    expect(reply.headers['idempotency-key']).toBe('k-invalid-body');
    expect(driver.requests.total()).toBe(0);
    await expectNothingStored();

    const retry = await driver.post({ key: 'k-invalid-body', body: validPayment });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  test('a schema violation names each wrong field', async () => {
    const reply = await driver.post({ key: 'k-fields', body: { amount: 0, currency: 'usd', source: 'tok_visa', metadata: { a: 1 } } });
    expect(reply.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(['amount', 'metadata.a']);
  });

  test('the first request executes once: 201, Location, one record, one payment, one charge, 3 DynamoDB requests', async () => {
    const reply = await driver.post({ key: 'k-first', body: { ...validPayment, customer: 'cus_1', metadata: { order: '42' } } });
    expect(reply.status).toBe(201);
    expect(reply.json).toMatchObject({
      id: expect.stringMatching(/^pay_[0-9a-f]{32}$/),
      object: 'payment',
      amount: 1000,
      currency: 'usd',
      source: 'tok_visa',
      customer: 'cus_1',
      description: null,
      metadata: { order: '42' },
      status: 'succeeded',
      charge: expect.stringMatching(/^ch_/),
      created: expect.any(Number),
    });
    expect(reply.headers.location).toBe(`/payments/${reply.json.id}`);
    expect(reply.headers['idempotency-key']).toBe('k-first');
    // The claim, the simulator's charge record, one single-item completion: no transaction.
    expect(driver.requests.counts).toEqual({ PutItem: 2, UpdateItem: 1 });
    const contents = await driver.contents();
    expect(contents.records).toHaveLength(1);
    expect(contents.records[0]).toMatchObject({ status: 'COMPLETED', claimCount: 1 });
    expect(contents.payments).toHaveLength(1);
    expect(contents.charges).toHaveLength(1);
  });

  test('a retry of a completed request replays status, headers and the byte-identical body, in one DynamoDB request', async () => {
    const first = await driver.post({ key: 'k-replay', body: { ...validPayment, metadata: { b: '2', a: '1' } } });
    driver.restart(); // the retry lands on another container: nothing cached
    driver.requests.reset();
    // Same request: key order and whitespace do not count.
    const retry = await driver.post({ key: 'k-replay', body: '{ "metadata": {"a":"1", "b":"2"},\n "source":"tok_visa", "currency":"usd", "amount":1000 }' });
    expect(retry.status).toBe(first.status);
    expect(retry.text).toBe(first.text);
    expect(retry.headers.location).toBe(first.headers.location);
    expect(retry.headers['content-type']).toBe(first.headers['content-type']);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers['idempotency-key']).toBe('k-replay');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(driver.requests.counts).toEqual({ PutItem: 1 });
    expect((await driver.contents()).charges).toHaveLength(1);
  });

  test('a warm container replays a completed key without any DynamoDB request, and still refuses a mismatch', async () => {
    const first = await driver.post({ key: 'k-warm', body: validPayment });
    driver.requests.reset();
    const retry = await driver.post({ key: 'k-warm', body: validPayment });
    expect(retry.text).toBe(first.text);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(driver.requests.total()).toBe(0);
    expectProblem(await driver.post({ key: 'k-warm', body: { ...validPayment, amount: 2 } }), 422, 'idempotency_key_reused');
    const otherTenant = await driver.post({ key: 'k-warm', body: validPayment, tenant: 'tenant-b' });
    expect(otherTenant.status).toBe(201); // its own first execution, not a replay and not a failure
    expect(otherTenant.headers['idempotent-replayed']).toBeUndefined();
    expect(otherTenant.json.id).not.toBe(first.json.id);
    expect(otherTenant.json.charge).not.toBe(first.json.charge);
    expect(driver.requests.total()).toBe(3); // tenant b's first execution; the 422 came from the cache
  });

  test('a retry with the same key and a different body is a 422 in one DynamoDB request', async () => {
    await driver.post({ key: 'k-mismatch', body: validPayment });
    driver.restart();
    driver.requests.reset();
    const reply = await driver.post({ key: 'k-mismatch', body: { ...validPayment, amount: 1001 } });
    expectProblem(reply, 422, 'idempotency_key_reused');
    expect(reply.headers['idempotency-key']).toBe('k-mismatch');
    expect(driver.requests.total()).toBe(1);
    const contents = await driver.contents();
    expect(contents.charges).toHaveLength(1);
    expect(contents.payments[0]!.payment.amount).toBe(1000);
  });

  test('a decline is a 402 that is recorded, readable and replayed', async () => {
    const first = await driver.post({ key: 'k-decline', body: { ...validPayment, source: 'tok_chargeDeclined' } });
    expectProblem(first, 402, 'card_declined');
    const paymentId = first.json.payment;
    expect(paymentId).toMatch(/^pay_/);
    const replay = await driver.post({ key: 'k-decline', body: { ...validPayment, source: 'tok_chargeDeclined' } });
    expect(replay.status).toBe(402);
    expect(replay.text).toBe(first.text);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const read = await driver.get(paymentId);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ id: paymentId, status: 'failed' });
  });

  test('GET returns the payment exactly as the POST answered it, and 404 for an unknown id', async () => {
    const created = await driver.post({ key: 'k-get', body: validPayment });
    const read = await driver.get(created.json.id);
    expect(read.status).toBe(200);
    expect(read.text).toBe(created.text);
    expectProblem(await driver.get('pay_00000000000000000000000000000000'), 404, 'not_found');
    expectProblem(await driver.get('not-an-id'), 404, 'not_found');
  });

  test('store unavailable: DynamoDB failing the claim is a 503 with Retry-After, and nothing is charged without a claim', async () => {
    const outage = (next: (args: any) => Promise<any>) => async (args: any) => {
      if (String(args.input?.Item?.[TableSchema.partitionKey]?.S ?? '').startsWith('idem#')) {
        throw Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalServerError', $fault: 'server' });
      }
      return next(args);
    };
    driver.table.client.middlewareStack.add(outage as never, { step: 'finalizeRequest', name: 'outage', priority: 'low' });
    const reply = await driver.post({ key: 'k-outage', body: validPayment });
    driver.table.client.middlewareStack.remove('outage');

    expectProblem(reply, 503, 'store_unavailable');
    expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(reply.headers['idempotency-key']).toBe('k-outage');
    await expectNothingStored();

    const retry = await driver.post({ key: 'k-outage', body: validPayment });
    expect(retry.status).toBe(201);
    expect((await driver.contents()).charges).toHaveLength(1);
  });

  test('a key that produced a payment names it past the retention: the same request replays, another is 422, nothing expires it', async () => {
    await driver.close();
    let aheadMs = 0;
    driver = await createDriver(kind, { config: { idempotencyTtlSeconds: 60 }, now: () => Date.now() + aheadMs });
    const first = await driver.post({ key: 'k-kept', body: validPayment });
    aheadMs = 3_600_000; // an hour later: far past the 60 s retention
    const [record] = (await driver.contents()).records;
    expect(record).not.toHaveProperty(TableSchema.ttlAttribute); // DynamoDB's TTL can never delete it

    const second = await driver.post({ key: 'k-kept', body: validPayment });
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.text).toBe(first.text);
    expect((await driver.post({ key: 'k-kept', body: { ...validPayment, amount: 5 } })).status).toBe(422);
    expect((await driver.contents()).charges).toHaveLength(1);
  });
});

describe.each<DriverKind>(['handler', 'http'])('requests that meet a running or failed first request (%s)', (kind) => {
  test('a retry while the first is still running is a 409 with Retry-After until the lease lapses, in one DynamoDB request', async () => {
    const gate = deferred();
    const driver = await createDriver(kind, {
      processor: (simulated) => ({ charge: async (request) => (await gate.promise, simulated.charge(request)) }),
    });
    try {
      const first = driver.post({ key: 'k-busy', body: validPayment, remainingMs: 20_000 });
      await waitFor(async () => (await driver.contents()).records.length === 1);
      driver.requests.reset();
      const busy = await driver.post({ key: 'k-busy', body: validPayment });
      expect(busy.status).toBe(409);
      expect(busy.json).toMatchObject({ code: 'request_in_progress', status: 409 });
      expect(busy.headers['content-type']).toBe('application/problem+json');
      expect(busy.headers['idempotency-key']).toBe('k-busy');
      // The lease runs to the function's deadline (20 s through the handler, 10 s in local mode) plus
      // 1 s margin, but a fresh container expects a request to take about a second: a double click
      // is told to come back in 1 s, not to wait out the lease.
      expect(busy.headers['retry-after']).toBe('1');
      expect(driver.requests.total()).toBe(1);

      const mismatch = await driver.post({ key: 'k-busy', body: { ...validPayment, amount: 5 } });
      expect(mismatch.status).toBe(422);

      gate.resolve();
      expect((await first).status).toBe(201);
    } finally {
      gate.resolve();
      await driver.close();
    }
  });

  test.each([
    ['before the charge', 'before'],
    ['after the charge, with the answer lost', 'after'],
  ])('a processor failure %s is a 502 that releases the key; the retry charges exactly once', async (_label, when) => {
    let failNext = true;
    const driver = await createDriver(kind, {
      processor: (simulated) => ({
        charge: async (request) => {
          if (failNext && when === 'before') {
            failNext = false;
            throw new ProcessorUnavailableError();
          }
          const charge = await simulated.charge(request);
          if (failNext) {
            failNext = false;
            throw new ProcessorUnavailableError();
          }
          return charge;
        },
      }),
    });
    try {
      const failed = await driver.post({ key: 'k-fail', body: validPayment });
      expect(failed.status).toBe(502);
      expect(failed.json).toMatchObject({ code: 'processor_unavailable' });
      expect(failed.headers['retry-after']).toBe('1');
      expect(failed.headers['idempotency-key']).toBe('k-fail');
      const afterFailure = await driver.contents();
      expect(afterFailure.records[0]).toMatchObject({ status: 'IN_PROGRESS' });
      expect(afterFailure.payments).toHaveLength(0);

      const retry = await driver.post({ key: 'k-fail', body: validPayment });
      expect(retry.status).toBe(201);
      const contents = await driver.contents();
      expect(contents.charges).toHaveLength(1);
      expect(contents.payments).toHaveLength(1);
      expect(retry.json.charge).toBe(contents.charges[0]!.id);
      expect(contents.records[0]).toMatchObject({ status: 'COMPLETED', claimCount: 2 });
    } finally {
      await driver.close();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
