import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { createPaymentsHandler } from '../../lambda/payments/app';
import { type PaymentProcessor, ProcessorUnavailableError } from '../../lambda/payments/processor';
import { SimulatedProcessor } from '../../lambda/payments/simulated-processor';
import { createDriver, type Driver, validPayment } from '../helpers/drivers';
import { ledgerFigures, soundLedger } from '../helpers/ledger';
import { type LocalServer, startLocalServer } from '../helpers/local-server';
import { muteExpectedLogs, waitUntil } from '../helpers/reliability';
import { readTable } from '../helpers/table-contents';

/** A processor whose n-th call (1-based) is changed by `misbehave`, given the real charge. */
function scriptedProcessor(misbehave: (call: number, charge: () => ReturnType<PaymentProcessor['charge']>) => ReturnType<PaymentProcessor['charge']>) {
  let calls = 0;
  return {
    calls: () => calls,
    wrap: (simulated: PaymentProcessor): PaymentProcessor => ({
      charge: (request) => misbehave(++calls, () => simulated.charge(request)),
    }),
  };
}

muteExpectedLogs();

describe('processor faults through the handler', () => {
  let driver: Driver;
  afterEach(() => driver.close());

  test("an answer slower than the function's remaining time: a retry takes over, both reach the same charge, only one completion lands", async () => {
    const LEASE_MS = 200;
    const processor = scriptedProcessor(async (call, charge) => {
      const result = await charge();
      if (call === 1) await sleep(4 * LEASE_MS); // the answer comes back after the lease lapsed
      return result;
    });
    driver = await createDriver('handler', { config: { leaseMarginMs: 0 }, processor: processor.wrap });

    const slow = driver.post({ key: 'k-slow', body: validPayment, remainingMs: LEASE_MS });
    await waitUntil(() => processor.calls() === 1);
    await sleep(LEASE_MS + 50);
    const retry = await driver.post({ key: 'k-slow', body: validPayment });
    const slowReply = await slow;

    expect(retry.status).toBe(201);
    expect(slowReply.status).toBe(201);
    expect(slowReply.text).toBe(retry.text); // the late one answers with the result that landed
    expect(slowReply.headers['idempotent-replayed']).toBe('true');
    const contents = await driver.contents();
    expect(ledgerFigures(contents)).toEqual(soundLedger(1));
    expect(contents.records[0]).toMatchObject({ claimCount: 2 });
    expect(contents.records[0]!.response.body).toBe(retry.text);
  });

  test.each([
    ['before the charge', false],
    ['after the charge, the answer lost', true],
  ])('three failures in a row %s: three 502s that release the key, then one charge and one payment', async (_label, charged) => {
    const processor = scriptedProcessor(async (call, charge) => {
      if (call > 3) return charge();
      if (charged) await charge();
      throw new ProcessorUnavailableError(new Error(`injected failure ${call}`));
    });
    driver = await createDriver('handler', { processor: processor.wrap });

    const replies = [];
    for (let attempt = 0; attempt < 4; attempt++) replies.push(await driver.post({ key: 'k-flaky', body: validPayment }));

    expect(replies.map((r) => r.status)).toEqual([502, 502, 502, 201]);
    for (const failed of replies.slice(0, 3)) expect(failed.headers['retry-after']).toBe('1');
    const contents = await driver.contents();
    expect(ledgerFigures(contents)).toEqual(soundLedger(1));
    expect(contents.records[0]).toMatchObject({ claimCount: 4 });
    expect(replies[3]!.json.charge).toBe(contents.charges[0]!.id);
  });
});

describe('a processor slower than the emulated Lambda timeout, over HTTP in local mode', () => {
  let server: LocalServer;
  afterEach(() => server.close());

  test('the client gets a gateway 5xx while the invocation runs on in the background; the retry takes over; one charge, and the late completion is fenced', async () => {
    const TIMEOUT_SECONDS = 0.5;
    const processor = scriptedProcessor(async (call, charge) => {
      const result = await charge();
      if (call === 1) await sleep(3 * TIMEOUT_SECONDS * 1000);
      return result;
    });
    let handler: (event: unknown, context: Context) => Promise<unknown> = async () => {
      throw new Error('not wired yet');
    };
    server = await startLocalServer({ functionTimeoutSeconds: TIMEOUT_SECONDS, handler: (event, context) => handler(event, context) });
    const documentClient = DynamoDBDocumentClient.from(server.client);
    const simulated = new SimulatedProcessor({ documentClient, tableName: server.tableName, latencyMs: 0, failureRate: 0 });
    handler = createPaymentsHandler({ client: server.client, config: { ...server.config, leaseMarginMs: 100 }, processor: processor.wrap(simulated) });

    const first = await server.createPayment('k-timeout', validPayment);
    expect([502, 504]).toContain(first.status); // the function timed out: API Gateway's error, not the function's
    expect(first.headers.get('content-type')).toBe('application/problem+json');

    await sleep(200); // the lease (timeout + 100 ms margin) lapses
    const retry = await server.createPayment('k-timeout', validPayment);
    expect(retry.status).toBe(201);
    expect(processor.calls()).toBe(2);

    await waitUntil(() => server.logs.some((line) => line.includes('finished after its timeout')), 5_000);
    const contents = await readTable(server.client, server.tableName);
    expect(ledgerFigures(contents)).toEqual(soundLedger(1));
    expect(contents.records[0]!.response.body).toBe(retry.text);
    const replay = await server.createPayment('k-timeout', validPayment);
    expect(replay.text).toBe(retry.text);
  });
});
