import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { createPaymentsHandler } from '../../../lambda/payments/app';
import type { DirectResult } from '../../../lambda/payments/front-door';
import type { Charge, PaymentProcessor } from '../../../lambda/payments/processor';
import { createDriver, deferred, type Driver, validPayment } from '../../helpers/drivers';
import { storedPayment } from '../../helpers/ledger';

describe('exactly one execution per (tenant, key)', () => {
  test.each(['handler', 'http'] as const)(
    '50 concurrent identical requests (%s): one charge, one payment; the rest are 409s with Retry-After or byte-identical replays',
    async (kind) => {
      const driver = await createDriver(kind, { config: { processor: { latencyMs: 150 } } });
      try {
        const replies = await Promise.all(Array.from({ length: 50 }, () => driver.post({ key: 'storm', body: validPayment })));
        const created = replies.filter((r) => r.status === 201);
        const conflicts = replies.filter((r) => r.status === 409);
        expect(created.length + conflicts.length).toBe(50);
        expect(created.filter((r) => r.headers['idempotent-replayed'] !== 'true')).toHaveLength(1);
        expect(new Set(created.map((r) => r.text)).size).toBe(1);
        expect(conflicts.length).toBeGreaterThan(0); // the storm really overlapped the first execution
        for (const conflict of conflicts) expect(Number(conflict.headers['retry-after'])).toBeGreaterThanOrEqual(1);

        const contents = await driver.contents();
        expect(contents.charges).toHaveLength(1);
        expect(contents.payments).toHaveLength(1);
        expect(contents.records).toHaveLength(1);
        expect(contents.records[0]).toMatchObject({ status: 'COMPLETED', claimCount: 1 });
      } finally {
        await driver.close();
      }
    },
  );
});

/** A processor that records the charge, then waits at a gate the test opens (or never opens). */
function gatedProcessor(gates: Promise<void>[]) {
  const charged: Charge[] = [];
  return {
    charged,
    wrap: (simulated: PaymentProcessor): PaymentProcessor => ({
      charge: async (request) => {
        const charge = await simulated.charge(request);
        charged.push(charge);
        await gates.shift();
        return charge;
      },
    }),
  };
}

describe('fencing and crashes', () => {
  let driver: Driver;
  afterEach(() => driver.close());

  test('a zombie invocation whose lease was taken over cannot complete the record, and its payment write does not land', async () => {
    const zombieGate = deferred();
    const takeoverGate = deferred();
    const processor = gatedProcessor([zombieGate.promise, takeoverGate.promise]);
    driver = await createDriver('handler', { config: { leaseMarginMs: 0 }, processor: processor.wrap });

    // The first invocation charges, then stalls (a frozen Lambda) past its 300 ms lease.
    const zombie = driver.post({ key: 'k-zombie', body: validPayment, remainingMs: 300 });
    await waitUntil(() => processor.charged.length === 1);
    await sleep(400);

    // A retry takes the lapsed lease over and is still running when the zombie wakes up.
    const takeover = driver.post({ key: 'k-zombie', body: validPayment, remainingMs: 10_000 });
    await waitUntil(() => processor.charged.length === 2);
    zombieGate.resolve();
    const zombieReply = await zombie;

    expect(zombieReply.status).toBe(409); // the key belongs to the running takeover now
    const midway = await driver.contents();
    expect(midway.payments).toHaveLength(0);
    expect(midway.records[0]).toMatchObject({ status: 'IN_PROGRESS', claimCount: 2 });

    takeoverGate.resolve();
    const takeoverReply = await takeover;
    expect(takeoverReply.status).toBe(201);
    const after = await driver.contents();
    expect(after.charges).toHaveLength(1); // same execution id -> the processor deduplicated
    expect(processor.charged[0]!.id).toBe(processor.charged[1]!.id);
    expect(after.payments).toHaveLength(1);
    expect(after.records[0]).toMatchObject({ status: 'COMPLETED' });
    expect(after.records[0]!.response.body).toBe(takeoverReply.text);
  });

  test('a zombie that wakes after the takeover completed answers with the completed result instead of its own', async () => {
    const zombieGate = deferred();
    const processor = gatedProcessor([zombieGate.promise, Promise.resolve()]);
    driver = await createDriver('handler', { config: { leaseMarginMs: 0 }, processor: processor.wrap });

    const zombie = driver.post({ key: 'k-late-zombie', body: validPayment, remainingMs: 200 });
    await waitUntil(() => processor.charged.length === 1);
    await sleep(300);
    const takeover = await driver.post({ key: 'k-late-zombie', body: validPayment });
    expect(takeover.status).toBe(201);
    const completed = await driver.contents();

    zombieGate.resolve();
    const zombieReply = await zombie;
    expect(zombieReply.text).toBe(takeover.text);
    expect(zombieReply.headers['idempotent-replayed']).toBe('true');
    expect(await driver.contents()).toEqual(completed); // the zombie changed nothing
  });

  test('a crash between the charge and the completion: the retry after the lease lapses returns the same charge', async () => {
    const never = new Promise<void>(() => {}); // the first invocation dies here and never comes back
    const processor = gatedProcessor([never, Promise.resolve()]);
    // The function's clock is the test's: the lease lapses when the test says, however slow the machine.
    let clockMs = Date.now();
    driver = await createDriver('handler', { config: { leaseMarginMs: 0 }, processor: processor.wrap, now: () => clockMs });

    void driver.post({ key: 'k-crash', body: validPayment, remainingMs: 200 });
    await waitUntil(() => processor.charged.length === 1);
    const chargeBeforeCrash = processor.charged[0]!;

    const early = await driver.post({ key: 'k-crash', body: validPayment });
    expect(early.status).toBe(409);
    clockMs += 250;

    const retry = await driver.post({ key: 'k-crash', body: validPayment });
    expect(retry.status).toBe(201);
    expect(retry.json.charge).toBe(chargeBeforeCrash.id);
    const contents = await driver.contents();
    expect(contents.charges).toHaveLength(1);
    expect(contents.payments).toHaveLength(1);
    expect(contents.payments[0]!.payment.charge).toBe(chargeBeforeCrash.id);
  });
});

describe('tenant isolation', () => {
  let driver: Driver;
  beforeEach(async () => {
    driver = await createDriver('http');
  });
  afterEach(() => driver.close());

  test('the same key from two tenants names two independent payments', async () => {
    const a = await driver.post({ key: 'shared-key', body: validPayment, tenant: 'tenant-a' });
    const b = await driver.post({ key: 'shared-key', body: { ...validPayment, amount: 5 }, tenant: 'tenant-b' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201); // not a 422: tenant b never used this key
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json.id).not.toBe(a.json.id);
    expect(b.json).toMatchObject({ amount: 5, status: 'succeeded' });
    const contents = await driver.contents();
    expect(contents.charges.map((charge) => charge.id).sort()).toEqual([a.json.charge, b.json.charge].sort());
    expect(storedPayment(contents, 'tenant-b', 'shared-key')).toEqual(b.json);
  });

  test.each([
    ['a#b', 'c', 'a', 'b#c'],
    ['a:b', 'c', 'a', 'b:c'],
    ['a|b', 'c', 'a', 'b|c'],
    ['a","b', 'c', 'a', 'b","c'],
    ['a\\', '"c', 'a', '\\"c'],
  ])('tenant %j with key %j does not collide with tenant %j with key %j', async (tenant1, key1, tenant2, key2) => {
    // Over HTTP a tenant is a tenant id (the authorizer's); a direct invocation, authorized by
    // IAM, may name any string, so the scoped key is shown injective there.
    const handler = createPaymentsHandler({ client: driver.table.client, config: driver.config });
    const invoke = async (tenant: string, idempotencyKey: string, amount: number) =>
      (await handler({ operation: 'createPayment', idempotencyKey, tenant, payment: { ...validPayment, amount } }, {} as Context)) as DirectResult;
    const first = await invoke(tenant1, key1, validPayment.amount);
    const second = await invoke(tenant2, key2, 7);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect((second.body as { id: string }).id).not.toBe((first.body as { id: string }).id);
    expect((await driver.contents()).records).toHaveLength(2);
  });

  test("a tenant cannot read another tenant's payment: 404, with nothing of it in the answer", async () => {
    const created = await driver.post({ key: 'k-private', body: { ...validPayment, customer: 'cus_secret' }, tenant: 'tenant-a' });
    const foreign = await driver.get(created.json.id, 'tenant-b');
    expect(foreign.status).toBe(404);
    expect(foreign.text).not.toContain('cus_secret');
    expect(foreign.text).not.toContain('tenant-a');
    expect((await driver.get(created.json.id, 'tenant-a')).status).toBe(200);
  });

  test("a tenant replaying another tenant's key gets its own execution, never the stored response", async () => {
    const a = await driver.post({ key: 'k-replay-scope', body: { ...validPayment, customer: 'cus_a' }, tenant: 'tenant-a' });
    const b = await driver.post({ key: 'k-replay-scope', body: { ...validPayment, customer: 'cus_a' }, tenant: 'tenant-b' });
    // A first execution of its own: a 201 (not a replay, and not a failure that merely differs).
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json.id).not.toBe(a.json.id);
    expect(b.json.charge).not.toBe(a.json.charge);
    // Its own charge and payment, stored under its own record and readable by it alone.
    const contents = await driver.contents();
    expect(contents.charges.map((charge) => charge.id).sort()).toEqual([a.json.charge, b.json.charge].sort());
    expect(storedPayment(contents, 'tenant-b', 'k-replay-scope')).toEqual(b.json);
    expect(storedPayment(contents, 'tenant-a', 'k-replay-scope')).toEqual(a.json);
    expect((await driver.get(b.json.id, 'tenant-b')).text).toBe(b.text);
    expect((await driver.get(b.json.id, 'tenant-a')).status).toBe(404);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
