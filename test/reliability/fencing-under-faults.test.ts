import { setTimeout as sleep } from 'node:timers/promises';
import middy from '@middy/core';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from '../../lambda/http/types';
import { DynamoDbIdempotencyStore } from '../../lambda/idempotency/dynamodb-store';
import { idempotency } from '../../lambda/idempotency/middleware';
import type { ClaimOutcome } from '../../lambda/idempotency/store';
import { type PaymentProcessor, ProcessorUnavailableError } from '../../lambda/payments/processor';
import { TableSchema } from '../../lambda/shared/table';
import { createDriver, deferred, type Driver, validPayment } from '../helpers/drivers';
import { createTestTable, type TestTable } from '../helpers/dynamo';
import { type FaultyClient, faultyClient, Step } from '../helpers/fault-injection';
import { ledgerFigures, soundLedger } from '../helpers/ledger';
import { muteExpectedLogs, waitUntil } from '../helpers/reliability';
import { readTable } from '../helpers/table-contents';

// Late writes from an invocation that lost its lease, delivered by a slow network or a resumed
// container, must be rejected by their conditions whatever they find in the table.
muteExpectedLogs();

describe('a zombie invocation at the payments API', () => {
  let driver: Driver;
  afterEach(() => driver.close());

  test("a zombie's failure cannot release the lease its successor holds: a third request is still a 409", async () => {
    const zombieGate = deferred();
    const successorGate = deferred();
    let calls = 0;
    const wrap = (simulated: PaymentProcessor): PaymentProcessor => ({
      charge: async (request) => {
        const call = ++calls;
        const charge = await simulated.charge(request);
        if (call === 1) {
          await zombieGate.promise;
          throw new ProcessorUnavailableError(new Error('the answer was lost'));
        }
        if (call === 2) await successorGate.promise;
        return charge;
      },
    });
    driver = await createDriver('handler', { config: { leaseMarginMs: 0 }, processor: wrap });

    const zombie = driver.post({ key: 'k-fenced-release', body: validPayment, remainingMs: 200 });
    await waitUntil(() => calls === 1);
    await sleep(250);
    const successor = driver.post({ key: 'k-fenced-release', body: validPayment });
    await waitUntil(() => calls === 2);
    zombieGate.resolve();
    expect((await zombie).status).toBe(502); // its release is refused: the lease is not its own

    const third = await driver.post({ key: 'k-fenced-release', body: validPayment });
    expect(third.status).toBe(409);
    expect(calls).toBe(2);

    successorGate.resolve();
    expect((await successor).status).toBe(201);
    const contents = await driver.contents();
    expect(ledgerFigures(contents)).toEqual(soundLedger(1));
    expect(contents.records[0]).toMatchObject({ claimCount: 2 });
  });
});

describe('late writes delivered by a slow network', () => {
  let table: TestTable;
  let faulty: FaultyClient;
  let store: DynamoDbIdempotencyStore;
  beforeEach(async () => {
    table = await createTestTable('fence');
    faulty = faultyClient();
    store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(faulty.client), tableName: table.tableName, ttlSeconds: 60 });
  });
  afterEach(async () => {
    faulty.client.destroy();
    await table.drop();
  });

  test("a completion held in the network until after a takeover completed cannot overwrite the successor's result", async () => {
    let leaseMs = 200;
    const handler = middy<HttpRequest, HttpResponse, Error, Context>()
      .use(idempotency({ store, leaseMarginMs: 0 }))
      .handler(async () => ({ statusCode: 200, headers: {}, body: leaseMs === 200 ? 'zombie' : 'successor' }));
    const event: HttpRequest = { method: 'POST', path: '/jobs', headers: { 'idempotency-key': 'k' }, pathParameters: {}, body: '{}', tenant: 't' };
    const context = () => ({ getRemainingTimeInMillis: () => leaseMs }) as unknown as Context;
    const network = deferred();
    faulty.faults.inject({ step: Step.Complete, fault: { kind: 'delay', until: network.promise }, times: 1 });

    const zombie = handler(event, context());
    await waitUntil(() => faulty.faults.fired.length === 1); // its completion is on the wire
    await sleep(250);
    leaseMs = 10_000;
    const successor = await handler(event, context());
    network.resolve();
    const zombieReply = await zombie;

    expect(successor.body).toBe('successor');
    expect(zombieReply).toMatchObject({ statusCode: 200, body: 'successor', headers: { 'Idempotent-Replayed': 'true' } });
    const [record] = (await readTable(table.client, table.tableName)).records;
    expect(record).toMatchObject({ status: 'COMPLETED', response: { body: 'successor' }, claimCount: 2 });
  });

  test('a takeover decided on one record never lands on another that replaced it, even one whose lease looks lapsed', async () => {
    const T0 = 1_900_000_000_000;
    const claimed = (outcome: ClaimOutcome) => {
      if (outcome.kind !== 'claimed') throw new Error(`expected a claim, got ${outcome.kind}`);
      return outcome.record;
    };
    const request = { tenant: 't', key: 'k' };
    // The first holder claimed at T0 and crashed; its lease ended at T0 + 10 s.
    const crashed = claimed(await store.claim({ ...request, fingerprint: 'fp-old', leaseUntilEpochMs: T0 + 10_000, nowMs: T0 }));
    // At T0 + 20 s a retry finds the lapsed lease and sends its takeover, which the network holds.
    const network = deferred();
    faulty.faults.inject({ step: Step.Takeover, fault: { kind: 'delay', until: network.promise }, times: 1 });
    const late = store.claim({ ...request, fingerprint: 'fp-old', leaseUntilEpochMs: T0 + 30_000, nowMs: T0 + 20_000 });
    await waitUntil(() => faulty.faults.fired.length === 1);
    // Meanwhile the record is deleted (TTL, or by hand) and a container whose clock runs 15 s
    // behind claims the key for another request; by the late retry's clock that lease has lapsed.
    await table.client.send(new DeleteItemCommand({ TableName: table.tableName, Key: { [TableSchema.partitionKey]: { S: crashed.recordKey } } }));
    const fresh = claimed(await store.claim({ ...request, fingerprint: 'fp-new', leaseUntilEpochMs: T0 + 15_000, nowMs: T0 + 5_000 }));
    network.resolve();

    const outcome = await late;
    expect(outcome).toMatchObject({ kind: 'existing', record: { executionId: fresh.executionId, fingerprint: 'fp-new' } });
    const [record] = (await readTable(table.client, table.tableName)).records;
    expect(record).toMatchObject({ leaseToken: fresh.leaseToken, fingerprint: 'fp-new', claimCount: 1 });
  });
});
