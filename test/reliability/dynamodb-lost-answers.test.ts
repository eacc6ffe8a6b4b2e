import { setTimeout as sleep } from 'node:timers/promises';
import middy from '@middy/core';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from '../../lambda/http/types';
import { DynamoDbIdempotencyStore } from '../../lambda/idempotency/dynamodb-store';
import { idempotency } from '../../lambda/idempotency/middleware';
import { createDriver, type Driver, validPayment } from '../helpers/drivers';
import { createTestTable } from '../helpers/dynamo';
import { DynamoErrors, type FaultInjector, faultyClient, Step } from '../helpers/fault-injection';
import { ledgerFigures, soundLedger } from '../helpers/ledger';
import { muteExpectedLogs, suiteResults } from '../helpers/reliability';
import { readTable } from '../helpers/table-contents';

// The ambiguous failure: DynamoDB applied the write, but its answer was lost (socket timeout or a
// 500 after the fact), so the SDK sends the same request again. The retry must recognise the
// write as its own: no double charge, no lost completion, no stray 409.
const MAX_ATTEMPTS = 3;
const LEASE_MS = 300;

muteExpectedLogs();

let driver: Driver;
let faults: FaultInjector;
let functionClient: DynamoDBClient;

beforeEach(async () => {
  const faulty = faultyClient(MAX_ATTEMPTS);
  faults = faulty.faults;
  functionClient = faulty.client;
  driver = await createDriver('handler', { functionClient, config: { leaseMarginMs: 0 } });
});
/** Per test: the wire attempts of each step, so the figures show the SDK really retried. */
const attemptsSeen: { test: string; faultsFired: number; attempts: Record<string, number> }[] = [];
afterEach(async () => {
  const attempts = Object.fromEntries(Object.entries(faults.attempts).filter(([, n]) => n > 0));
  attemptsSeen.push({ test: expect.getState().currentTestName ?? '', faultsFired: faults.fired.length, attempts });
  await driver.close();
  functionClient.destroy();
});
const results = suiteResults('dynamodb-lost-answers');
results.add({ sdkMaxAttempts: MAX_ATTEMPTS, attemptsPerTest: attemptsSeen });

const post = (remainingMs = 10_000) => driver.post({ key: 'k-lost', body: validPayment, remainingMs });

describe.each([
  ['a socket timeout', DynamoErrors.socketTimeout],
  ['a 500 InternalServerError', DynamoErrors.internalServerError],
])('one answer lost to %s, the SDK retries the write', (_name, error) => {
  const loseOnce = (step: Step) => faults.inject({ step, fault: { kind: 'lost-answer', error }, times: 1 });

  test('the claim: the retried PutItem finds its own record and the request runs, once (not a 409)', results.checked(async () => {
    loseOnce(Step.Claim);
    const reply = await post();
    expect(reply.status).toBe(201);
    expect(reply.headers['idempotent-replayed']).toBeUndefined();
    expect(faults.attempts.claim).toBe(2);
    const contents = await driver.contents();
    expect(ledgerFigures(contents)).toEqual(soundLedger(1));
    expect(contents.records[0]).toMatchObject({ claimCount: 1 });
  }));

  test('the takeover: the retried UpdateItem finds its own lease and the retry runs, once (not a 409)', results.checked(async () => {
    faults.inject({ step: Step.Charge, fault: { kind: 'error', error: DynamoErrors.internalServerError }, times: MAX_ATTEMPTS });
    expect((await post()).status).toBe(502);
    loseOnce(Step.Takeover);
    const reply = await post();
    expect(reply.status).toBe(201);
    expect(faults.attempts.takeover).toBe(2);
    const contents = await driver.contents();
    expect(ledgerFigures(contents)).toEqual(soundLedger(1));
    expect(contents.records[0]).toMatchObject({ claimCount: 2 });
  }));

  test("the processor's charge: the retried PutItem finds the charge already made and returns it; one charge", results.checked(async () => {
    loseOnce(Step.Charge);
    const reply = await post();
    expect(reply.status).toBe(201);
    expect(faults.attempts.charge).toBe(2);
    const contents = await driver.contents();
    expect(ledgerFigures(contents)).toEqual(soundLedger(1));
    expect(reply.json.charge).toBe(contents.charges[0]!.id);
  }));

  test('the completing transaction: the retry with the same ClientRequestToken is a no-op success, the answer is our own (not a replay)', results.checked(async () => {
    loseOnce(Step.Complete);
    const reply = await post();
    expect(reply.status).toBe(201);
    expect(reply.headers['idempotent-replayed']).toBeUndefined();
    expect(faults.attempts.complete).toBe(2);
    const contents = await driver.contents();
    expect(ledgerFigures(contents)).toEqual(soundLedger(1));
    expect(contents.records[0]!.response.body).toBe(reply.text);
  }));

  test('the release after a failed charge: the retried release still holds the lease, so the next request runs at once', results.checked(async () => {
    faults.inject({ step: Step.Charge, fault: { kind: 'error', error: DynamoErrors.internalServerError }, times: MAX_ATTEMPTS });
    loseOnce(Step.Release);
    expect((await post()).status).toBe(502);
    expect(faults.attempts.release).toBe(2);
    const retry = await post();
    expect(retry.status).toBe(201); // not a 409: the key was released
    expect(ledgerFigures(await driver.contents())).toEqual(soundLedger(1));
  }));
});

describe('every answer lost (DynamoDB applies each attempt, the SDK gives up)', () => {
  const loseAll = (step: Step) => faults.inject({ step, fault: { kind: 'lost-answer' } });

  test('the claim: 503; the orphaned lease holds the key (409) until it lapses, then one charge', results.checked(async () => {
    loseAll(Step.Claim);
    const failed = await post(LEASE_MS);
    expect(failed.status).toBe(503);
    expect(Number(failed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(faults.attempts.claim).toBe(MAX_ATTEMPTS);
    const midway = await driver.contents();
    expect(midway.records[0]).toMatchObject({ status: 'IN_PROGRESS' });
    expect(midway.charges).toHaveLength(0); // nothing is charged without a claim the function knows of

    faults.clear();
    expect((await post()).status).toBe(409);
    await sleep(LEASE_MS);
    expect((await post()).status).toBe(201);
    expect(ledgerFigures(await driver.contents())).toEqual(soundLedger(1));
  }));

  test("the processor's charge: 502; the charge exists without a payment; the retry completes with that very charge", results.checked(async () => {
    loseAll(Step.Charge);
    const failed = await post();
    expect(failed.status).toBe(502);
    const midway = await driver.contents();
    expect(midway.charges).toHaveLength(1);
    expect(midway.payments).toHaveLength(0);

    faults.clear();
    const retry = await post();
    expect(retry.status).toBe(201);
    expect(retry.json.charge).toBe(midway.charges[0]!.id);
    expect(ledgerFigures(await driver.contents())).toEqual(soundLedger(1));
  }));

  test('the completion: 503, yet the completion landed; the retry replays the stored payment', results.checked(async () => {
    loseAll(Step.Complete);
    const failed = await post();
    expect(failed.status).toBe(503);
    const contents = await driver.contents();
    expect(ledgerFigures(contents)).toEqual(soundLedger(1)); // nothing lost: payment and record committed together

    faults.clear();
    const retry = await post();
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.text).toBe(contents.records[0]!.response.body);
    expect(retry.json).toEqual(contents.payments[0]!.payment);
  }));
});

test('a completion by UpdateItem (a handler with no writes of its own) whose answer was lost is recognised as ours', results.checked(async () => {
  const table = await createTestTable('lost-update');
  const faulty = faultyClient(MAX_ATTEMPTS);
  try {
    const store = new DynamoDbIdempotencyStore({ documentClient: DynamoDBDocumentClient.from(faulty.client), tableName: table.tableName, ttlSeconds: 60 });
    let executions = 0;
    const handler = middy<HttpRequest, HttpResponse, Error, Context>()
      .use(idempotency({ store }))
      .handler(async () => ({ statusCode: 200, headers: {}, body: `run ${++executions}` }));
    const event: HttpRequest = { method: 'POST', path: '/jobs', headers: { 'idempotency-key': 'k' }, pathParameters: {}, body: '{}', tenant: 't' };
    faulty.faults.inject({ step: Step.Complete, fault: { kind: 'lost-answer' }, times: 1 });

    const reply = await handler(event, {} as Context);
    expect(reply).toEqual({ statusCode: 200, headers: {}, body: 'run 1' }); // our own answer, not marked replayed
    expect(faulty.faults.attempts.complete).toBe(2);
    const [record] = (await readTable(table.client, table.tableName)).records;
    expect(record).toMatchObject({ status: 'COMPLETED', response: { body: 'run 1' } });
  } finally {
    faulty.client.destroy();
    await table.drop();
  }
}));
