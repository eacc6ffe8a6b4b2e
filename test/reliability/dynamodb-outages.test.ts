import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDriver, type Driver, type DriverOptions, type Reply, validPayment } from '../helpers/drivers';
import { DynamoErrors, type FaultInjector, faultyClient, Step } from '../helpers/fault-injection';
import { ledgerFigures, soundLedger } from '../helpers/ledger';
import { muteExpectedLogs, suiteResults } from '../helpers/reliability';

// DynamoDB refusing a request on every attempt (throttled, or failing) at each step of a payment,
// through the handler with a faulty SDK client (3 attempts, the SDK's standard retry strategy).
const MAX_ATTEMPTS = 3;
const LEASE_MS = 300;

muteExpectedLogs();

let driver: Driver;
let faults: FaultInjector;
let functionClient: DynamoDBClient;

async function start(options: DriverOptions = {}): Promise<void> {
  const faulty = faultyClient(MAX_ATTEMPTS);
  faults = faulty.faults;
  functionClient = faulty.client;
  driver = await createDriver('handler', { ...options, functionClient, config: { leaseMarginMs: 0, ...options.config } });
}

/** Per test: the wire attempts of each step, so the figures show the SDK really retried. */
const attemptsSeen: { test: string; faultsFired: number; attempts: Record<string, number> }[] = [];
afterEach(async () => {
  const attempts = Object.fromEntries(Object.entries(faults.attempts).filter(([, n]) => n > 0));
  attemptsSeen.push({ test: expect.getState().currentTestName ?? '', faultsFired: faults.fired.length, attempts });
  await driver.close();
  functionClient.destroy();
});
const results = suiteResults('dynamodb-outages');
results.add({ sdkMaxAttempts: MAX_ATTEMPTS, attemptsPerTest: attemptsSeen });

const KEY = 'k-outage';

/** A problem the client may retry with the same key, and is told when; it names that very key. */
function expectRetryableProblem(reply: Reply, status: number, code: string): void {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toBe('application/problem+json');
  expect(reply.json).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(reply.headers['idempotency-key']).toBe(KEY);
}

const post = (remainingMs = 10_000) => driver.post({ key: KEY, body: validPayment, remainingMs });
const released = (record: Record<string, any> | undefined) => record!.leaseUntilEpochMs <= Date.now();

describe.each([
  ['ProvisionedThroughputExceededException', DynamoErrors.throughputExceeded],
  ['ThrottlingException', DynamoErrors.throttling],
  ['InternalServerError (500)', DynamoErrors.internalServerError],
])('DynamoDB answers %s on every attempt', (_name, error) => {
  beforeEach(() => start());

  test('at the claim: 503 with Retry-After, nothing stored or charged; the retry with the same key pays once', results.checked(async () => {
    faults.inject({ step: Step.Claim, fault: { kind: 'error', error } });
    const failed = await post();
    expectRetryableProblem(failed, 503, 'store_unavailable');
    expect(faults.attempts.claim).toBe(MAX_ATTEMPTS); // the SDK retried before giving up
    expect(await driver.contents()).toEqual({ records: [], payments: [], charges: [] });

    faults.clear();
    const retry = await post();
    expect(retry.status).toBe(201);
    expect(ledgerFigures(await driver.contents())).toEqual(soundLedger(1));
  }));

  test('at the takeover of a released key: 503 with Retry-After, the record untouched; the next retry pays once', results.checked(async () => {
    faults.inject({ step: Step.Charge, fault: { kind: 'error', error }, times: MAX_ATTEMPTS });
    expect((await post()).status).toBe(502); // released by the failed first attempt
    faults.inject({ step: Step.Takeover, fault: { kind: 'error', error } });
    const failed = await post();
    expectRetryableProblem(failed, 503, 'store_unavailable');
    expect(faults.attempts.takeover).toBe(MAX_ATTEMPTS);
    const midway = await driver.contents();
    expect(midway.records[0]).toMatchObject({ status: 'IN_PROGRESS', claimCount: 1 });
    expect(midway.charges).toHaveLength(0);

    faults.clear();
    expect((await post()).status).toBe(201);
    expect(ledgerFigures(await driver.contents())).toEqual(soundLedger(1));
  }));

  test("at the processor's charge write: 502 with Retry-After, nothing charged, key released; the retry pays once", results.checked(async () => {
    faults.inject({ step: Step.Charge, fault: { kind: 'error', error } });
    const failed = await post();
    expectRetryableProblem(failed, 502, 'processor_unavailable');
    expect(faults.attempts.charge).toBe(MAX_ATTEMPTS);
    const midway = await driver.contents();
    expect(midway.charges).toHaveLength(0);
    expect(midway.payments).toHaveLength(0);
    expect(released(midway.records[0])).toBe(true);

    faults.clear();
    const retry = await post();
    expect(retry.status).toBe(201);
    const after = await driver.contents();
    expect(ledgerFigures(after)).toEqual(soundLedger(1));
    expect(after.records[0]).toMatchObject({ status: 'COMPLETED', claimCount: 2 });
  }));

  test('at the completion: 503 with Retry-After, the charge stands without a payment, key released; the retry completes it with the same charge', results.checked(async () => {
    faults.inject({ step: Step.Complete, fault: { kind: 'error', error } });
    const failed = await post();
    expectRetryableProblem(failed, 503, 'store_unavailable');
    expect(faults.attempts.complete).toBe(MAX_ATTEMPTS);
    const midway = await driver.contents();
    expect(midway.charges).toHaveLength(1);
    expect(midway.payments).toHaveLength(0);
    expect(released(midway.records[0])).toBe(true);

    faults.clear();
    const retry = await post();
    expect(retry.status).toBe(201);
    expect(retry.json.charge).toBe(midway.charges[0]!.id);
    expect(ledgerFigures(await driver.contents())).toEqual(soundLedger(1));
  }));

  test('at the release after a failed charge: the 502 still reaches the client, the key stays locked until its lease lapses, then the retry pays once', results.checked(async () => {
    faults.inject({ step: Step.Charge, fault: { kind: 'error', error } });
    faults.inject({ step: Step.Release, fault: { kind: 'error', error } });
    const failed = await post(LEASE_MS);
    expectRetryableProblem(failed, 502, 'processor_unavailable');
    expect(faults.attempts.release).toBe(MAX_ATTEMPTS);
    expect(released((await driver.contents()).records[0])).toBe(false);

    faults.clear();
    expectRetryableProblem(await post(), 409, 'request_in_progress');
    await sleep(LEASE_MS);
    expect((await post()).status).toBe(201);
    expect(ledgerFigures(await driver.contents())).toEqual(soundLedger(1));
  }));
});

describe('DynamoDB failing beyond a single step', () => {
  beforeEach(() => start());

  test('down after the charge (completion and release both fail): 503, then 409 until the lease lapses, then the same charge completes', results.checked(async () => {
    faults.inject({ step: Step.Complete, fault: { kind: 'error', error: DynamoErrors.throttling } });
    faults.inject({ step: Step.Release, fault: { kind: 'error', error: DynamoErrors.throttling } });
    const failed = await post(LEASE_MS);
    expectRetryableProblem(failed, 503, 'store_unavailable');
    const midway = await driver.contents();
    expect(midway.charges).toHaveLength(1);

    faults.clear();
    expectRetryableProblem(await post(), 409, 'request_in_progress');
    await sleep(LEASE_MS);
    const retry = await post();
    expect(retry.status).toBe(201);
    expect(retry.json.charge).toBe(midway.charges[0]!.id);
    expect(ledgerFigures(await driver.contents())).toEqual(soundLedger(1));
  }));

  test('a completing transaction cancelled for throttling (which the SDK does not retry) is a 503 with Retry-After, and the retry completes it', results.checked(async () => {
    faults.inject({ step: Step.Complete, fault: { kind: 'error', error: DynamoErrors.transactionThrottled } });
    const failed = await post();
    expectRetryableProblem(failed, 503, 'store_unavailable');
    expect(faults.attempts.complete).toBe(1);
    expect(released((await driver.contents()).records[0])).toBe(true);

    faults.clear();
    expect((await post()).status).toBe(201);
    expect(ledgerFigures(await driver.contents())).toEqual(soundLedger(1));
  }));

  test('a GET while reads fail is a 503 with Retry-After, and works again afterwards', results.checked(async () => {
    const created = await post();
    faults.inject({ step: Step.Read, fault: { kind: 'error', error: DynamoErrors.internalServerError } });
    const failed = await driver.get(created.json.id);
    expect(failed.status).toBe(503);
    expect(failed.json).toMatchObject({ code: 'store_unavailable', status: 503 });
    expect(Number(failed.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // A GET has no key to retry with: the detail must not tell the client about one.
    expect(failed.json.detail).not.toMatch(/Idempotency-Key/);
    expect(failed.json.detail).toMatch(/Retry the request/);

    faults.clear();
    expect((await driver.get(created.json.id)).text).toBe(created.text);
  }));
});

describe('DynamoDB refusing the completing write of a payment as invalid', () => {
  beforeEach(() => start());

  test('a 500 without Retry-After that stores nothing: the charge is never left behind a stored error that expires', results.checked(async () => {
    faults.inject({ step: Step.Complete, fault: { kind: 'error', error: DynamoErrors.validation }, times: 1 });
    const failed = await post();
    expect(failed.status).toBe(500);
    expect(failed.json).toMatchObject({ code: 'store_rejected' });
    expect(failed.headers['retry-after']).toBeUndefined();
    const [record] = (await driver.contents()).records;
    // Not completed with the error (that would expire and let the key charge again): released.
    expect(record).toMatchObject({ status: 'IN_PROGRESS' });
    expect(record).not.toHaveProperty('expiresAtEpochSeconds');
    expect(released(record)).toBe(true);

    const retry = await post();
    expect(retry.status).toBe(201);
    expect(ledgerFigures(await driver.contents())).toEqual(soundLedger(1)); // the same charge, now with its payment
  }));
});
