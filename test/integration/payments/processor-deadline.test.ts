import { createDriver, type Driver, validPayment } from '../../helpers/drivers';
import { type LocalServer, startLocalServer } from '../../helpers/local-server';
import { readTable } from '../../helpers/table-contents';

// A processor slower than the function: 5 s against a 3 s timeout (issue repro). Without a
// deadline each attempt holds the key until Lambda kills it, and steady retries livelock.
const SLOW_PROCESSOR = { processor: { latencyMs: 5_000 } };

describe('the processor call ends before the invocation leaves too little time to complete', () => {
  let driver: Driver;
  afterEach(() => driver.close());

  test('a processor slower than the remaining time is a clean 502 that releases the key; the retry gets the same charge', async () => {
    driver = await createDriver('handler', { config: SLOW_PROCESSOR });
    const startedMs = Date.now();
    const first = await driver.post({ key: 'k-slow', body: validPayment, remainingMs: 3_000 });
    const tookMs = Date.now() - startedMs;

    expect(first.status).toBe(502);
    expect(first.json).toMatchObject({ code: 'processor_unavailable', status: 502 });
    expect(first.headers['retry-after']).toBe('1');
    expect(tookMs).toBeLessThan(3_000); // answered inside the invocation, with time to release
    const [record] = (await driver.contents()).records;
    expect(record).toMatchObject({ status: 'IN_PROGRESS' });
    expect(record!.leaseUntilEpochMs).toBeLessThanOrEqual(Date.now()); // released, not held to the timeout

    // The charge was made; the processor answers a repeated key at once, so the retry completes.
    const retry = await driver.post({ key: 'k-slow', body: validPayment, remainingMs: 3_000 });
    expect(retry.status).toBe(201);
    const contents = await driver.contents();
    expect(contents.charges).toHaveLength(1);
    expect(retry.json.charge).toBe(contents.charges[0]!.id);
  });

  test('with no time left for the processor, nothing is charged and the key is released', async () => {
    driver = await createDriver('handler');
    const reply = await driver.post({ key: 'k-late', body: validPayment, remainingMs: 0 });
    expect(reply.status).toBe(502);
    const contents = await driver.contents();
    expect(contents.charges).toHaveLength(0);
    expect(contents.records[0]!.leaseUntilEpochMs).toBeLessThanOrEqual(Date.now());
  });

  test('every charge carries the tenant, key and payment id it belongs to', async () => {
    driver = await createDriver('handler');
    const reply = await driver.post({ key: 'k-traced', body: validPayment, tenant: 'tenant-t' });
    const [charge] = (await driver.contents()).charges;
    expect(charge!.metadata).toEqual({ tenant: 'tenant-t', idempotencyKey: 'k-traced', paymentId: reply.json.id });
  });
});

describe('over HTTP in local mode, with the issue repro settings', () => {
  let server: LocalServer;
  afterEach(() => server.close());

  test('the client gets the function 502 (not a gateway timeout) and steady retries complete instead of livelocking', async () => {
    server = await startLocalServer({ functionTimeoutSeconds: 3, config: SLOW_PROCESSOR });
    const first = await server.createPayment('k-steady', validPayment);
    expect(first.status).toBe(502);
    expect(first.json).toMatchObject({ code: 'processor_unavailable' }); // the function's answer, not "timed out"
    expect(server.logs.some((line) => line.includes('Task timed out'))).toBe(false);

    const retry = await server.createPayment('k-steady', validPayment);
    expect(retry.status).toBe(201);
    const contents = await readTable(server.client, server.tableName);
    expect(contents.charges).toHaveLength(1);
    expect(contents.payments).toHaveLength(1);
  });
});
