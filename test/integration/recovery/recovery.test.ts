import { setTimeout as sleep } from 'node:timers/promises';
import { httpError } from '../../../lambda/http/errors';
import { ProcessorUnavailableError, type PaymentProcessor } from '../../../lambda/payments/processor';
import { DynamoDbRecoveryStore } from '../../../lambda/idempotency/recovery-store';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDriver, deferred, type Driver, validPayment } from '../../helpers/drivers';
import { ledgerFigures, recordOf, soundLedger } from '../../helpers/ledger';

const LEASE_MS = 300; // a short-lived "function": its lease lapses quickly once it dies

/** A processor whose first call charges (or not) and then never answers: the invocation died there. */
function dyingProcessor(when: 'before-charge' | 'after-charge') {
  let calls = 0;
  return (simulated: PaymentProcessor): PaymentProcessor => ({
    charge: async (request) => {
      calls++;
      if (calls === 1) {
        if (when === 'after-charge') await simulated.charge(request);
        return new Promise(() => {}); // never comes back
      }
      return simulated.charge(request);
    },
  });
}

describe('recovery finishes in-progress payments without waiting for the client', () => {
  let driver: Driver;
  afterEach(() => driver.close());

  test.each(['after-charge', 'before-charge'] as const)(
    'a holder that died %s and no retry: one sweep completes the payment with one charge; a later retry replays it',
    async (when) => {
      driver = await createDriver('handler', { config: { leaseMarginMs: 0 }, processor: dyingProcessor(when) });
      const leaseMs = 5_000; // long enough to look at the table, on a loaded machine, while the holder may still run
      void driver.post({ key: 'k-died', body: validPayment, remainingMs: leaseMs });
      await waitFor(async () => (await driver.contents()).records.length === 1);
      if (when === 'after-charge') await waitFor(async () => (await driver.contents()).charges.length === 1);
      const chargesBefore = (await driver.contents()).charges.map((c) => c.id);

      expect(await driver.recover()).toMatchObject({ due: 0 }); // the lease has not lapsed: never race a live holder
      await sleep(leaseMs + 50);
      expect(await driver.recover()).toMatchObject({ due: 1, recovered: 1 });

      const contents = await driver.contents();
      expect(ledgerFigures(contents)).toEqual(soundLedger(1));
      const record = recordOf(contents, 'tenant-a', 'k-died')!;
      expect(record.status).toBe('COMPLETED');
      if (when === 'after-charge') expect(record.payment.charge).toBe(chargesBefore[0]); // the charge that was made
      expect(record).not.toHaveProperty('recoveryShard'); // out of the recovery index
      expect(record).not.toHaveProperty('request');

      const retry = await driver.post({ key: 'k-died', body: validPayment });
      expect(retry.status).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json.charge).toBe(record.payment.charge);
      expect(await driver.recover()).toMatchObject({ due: 0 });
    },
  );

  test('a processor that keeps failing: attempts back off, then the record needs attention; nothing is charged twice', async () => {
    let clock = Date.now();
    let calls = 0;
    driver = await createDriver('handler', {
      config: { leaseMarginMs: 0, recovery: { windowSeconds: 120 } },
      now: () => clock,
      processor: (simulated) => ({
        charge: async (request) => {
          calls++;
          await simulated.charge(request); // charged, answer lost: the worst case
          throw new ProcessorUnavailableError(new Error('injected'));
        },
      }),
    });
    const first = await driver.post({ key: 'k-flaky', body: validPayment });
    expect(first.status).toBe(502);

    expect(await driver.recover()).toMatchObject({ due: 1, failed: 1, needsAttentionStanding: 0 });
    expect(await driver.recover()).toMatchObject({ due: 1, skipped: 1 }); // in backoff: no attempt
    expect(calls).toBe(2);
    const afterFirst = recordOf(await driver.contents(), 'tenant-a', 'k-flaky')!;
    expect(afterFirst.recovery).toMatchObject({ attempts: 1, lastStatus: 502 });
    const firstPause = afterFirst.recovery.notBeforeEpochMs - clock;

    clock += firstPause + 1;
    expect(await driver.recover()).toMatchObject({ failed: 1 });
    const afterSecond = recordOf(await driver.contents(), 'tenant-a', 'k-flaky')!;
    expect(afterSecond.recovery.notBeforeEpochMs - clock).toBeGreaterThan(firstPause); // backs off

    clock += 10 * 60_000; // past the 120 s window
    expect(await driver.recover()).toMatchObject({ needsAttention: 1, needsAttentionStanding: 1 });
    // Recovery stopped trying; the record still needs attention, and every sweep says so (the alarm's gauge).
    expect(await driver.recover()).toMatchObject({ due: 0, needsAttention: 0, needsAttentionStanding: 1 });
    clock += 60 * 60_000;
    expect(await driver.recover()).toMatchObject({ due: 0, needsAttentionStanding: 1 });

    const store = new DynamoDbRecoveryStore({ documentClient: DynamoDBDocumentClient.from(driver.table.client), tableName: driver.table.tableName });
    const attention = await store.list('attention', clock + 1);
    expect(attention.map((r) => r.idempotencyKey)).toEqual(['k-flaky']);
    const contents = await driver.contents();
    expect(contents.charges).toHaveLength(1); // one charge, however many attempts
    expect(contents.records[0]!.status).toBe('IN_PROGRESS');
  });

  test('recovery racing a client retry, 50 runs with random timing: one execution, one charge, one payment each', async () => {
    driver = await createDriver('handler', { config: { leaseMarginMs: 0 }, processor: dyingProcessorPerKey() });
    const keys = Array.from({ length: 50 }, (_, i) => `race-${i}`);
    for (const key of keys) void driver.post({ key, body: validPayment, remainingMs: LEASE_MS });
    await waitFor(async () => (await driver.contents()).charges.length === keys.length);
    await sleep(LEASE_MS + 50);

    const retries = keys.map(async (key) => {
      await sleep(Math.random() * 40);
      return driver.post({ key, body: validPayment });
    });
    const [summary, replies] = await Promise.all([driver.recover(), Promise.all(retries)]);
    for (const reply of replies) expect([201, 409]).toContain(reply.status);
    expect(summary.recovered + summary.skipped).toBe(summary.due);
    await driver.recover(); // whatever a 409 left for later

    const contents = await driver.contents();
    expect(ledgerFigures(contents)).toEqual(soundLedger(keys.length));
    expect(contents.records.every((r) => r.status === 'COMPLETED')).toBe(true);
  });

  test('recovery racing the original zombie: the zombie cannot complete, one charge, one payment', async () => {
    const gate = deferred();
    let calls = 0;
    driver = await createDriver('handler', {
      config: { leaseMarginMs: 0 },
      processor: (simulated) => ({
        charge: async (request) => {
          const charge = await simulated.charge(request);
          if (++calls === 1) await gate.promise; // the first holder freezes after charging
          return charge;
        },
      }),
    });
    const zombie = driver.post({ key: 'k-zombie', body: validPayment, remainingMs: LEASE_MS });
    await waitFor(async () => (await driver.contents()).charges.length === 1);
    await sleep(LEASE_MS + 50);
    expect(await driver.recover()).toMatchObject({ recovered: 1 });
    gate.resolve();
    const late = await zombie;
    expect(late.headers['idempotent-replayed']).toBe('true'); // it answers with what recovery stored

    const contents = await driver.contents();
    expect(ledgerFigures(contents)).toEqual(soundLedger(1));
    expect(contents.records[0]!.claimCount).toBe(2);
  });
});

/** Per key: the first call charges and never answers; later calls (the takeover) answer. */
function dyingProcessorPerKey() {
  const seen = new Set<string>();
  return (simulated: PaymentProcessor): PaymentProcessor => ({
    charge: async (request) => {
      const first = !seen.has(request.idempotencyKey);
      seen.add(request.idempotencyKey);
      const charge = await simulated.charge(request);
      if (first) return new Promise(() => {});
      return charge;
    },
  });
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('recovery counts a record as recovered only once it completed', () => {
  test('a re-drive that ends in a 4xx without completing is a failed attempt: it backs off and ends needs-attention', async () => {
    let clock = Date.now();
    let calls = 0;
    const driver = await createDriver('handler', {
      config: { leaseMarginMs: 0, recovery: { windowSeconds: 60 } },
      now: () => clock,
      processor: () => ({
        charge: async () => {
          calls++;
          // A refusal after the claim (a bug, a deploy that changed a rule): the key is released.
          throw httpError('invalid_request', 'refused');
        },
      }),
    });
    try {
      expect((await driver.post({ key: 'k-400', body: validPayment })).status).toBe(400);
      // The 400 was not stored: the record is still in progress, released.
      expect((await driver.contents()).records[0]).toMatchObject({ status: 'IN_PROGRESS' });

      expect(await driver.recover()).toMatchObject({ due: 1, failed: 1, recovered: 0 });
      expect(await driver.recover()).toMatchObject({ skipped: 1 }); // backing off, not re-driven every sweep
      clock += 10 * 60_000;
      expect(await driver.recover()).toMatchObject({ needsAttention: 1 });
      expect(await driver.recover()).toMatchObject({ due: 0 });
      expect(calls).toBe(3); // the first request and two attempts
    } finally {
      await driver.close();
    }
  });
});
