import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IdempotencyHooks } from '../../../lambda/idempotency/hooks';
import { createTelemetry, InvocationOutcome, METRICS_NAMESPACE } from '../../../lambda/observability';
import { ProcessorUnavailableError } from '../../../lambda/payments/processor';
import { DynamoErrors, Step } from '../../helpers/fault-injection';
import { emfProblems, metricIn } from './emf-spec';
import { BODY, createHarness, gate, getEvent, type Harness, lambdaContext, lastInvocation, parsed, postEvent, SECRET_PATTERN } from './harness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type HookName = keyof IdempotencyHooks;

/**
 * The last invocation's line and EMF document say `outcome` with `status`; the EMF document is
 * valid by the specification and counts one request under the outcome and the service, and no
 * dimension names a tenant, key or id. The user's own hook for the outcome ran once.
 */
function expectOutcome(h: Harness, outcome: string, status: number, hook?: HookName) {
  const { line, emf } = lastInvocation(h.lines);
  expect([line.outcome, line.status]).toEqual([outcome, status]);
  expect(line).toMatchObject({ message: 'invocation', service: 'payments', requestId: expect.any(String), tenant: 'tenant-a' });
  expect(emfProblems(emf)).toEqual([]);
  expect(emf).toMatchObject({ Service: 'payments', Outcome: outcome, requestId: line.requestId });
  expect(emf._aws.CloudWatchMetrics.every((d: { Namespace: string }) => d.Namespace === METRICS_NAMESPACE)).toBe(true);
  expect(metricIn(emf, 'Requests')).toEqual({ value: 1, unit: 'Count', dimensionSets: [['Service'], ['Service', 'Outcome']] });
  expect(metricIn(emf, 'Latency')).toMatchObject({ value: line.durationMs, unit: 'Milliseconds' });
  const dimensions = new Set(emf._aws.CloudWatchMetrics.flatMap((d: { Dimensions: string[][] }) => d.Dimensions.flat()));
  expect([...dimensions].every((name) => ['Service', 'Outcome', 'ErrorKind'].includes(name as string))).toBe(true);
  if (hook) {
    expect(h.userHooks[hook]).toHaveBeenCalledTimes(1);
    expect(h.userHooks[hook]).toHaveBeenCalledWith(expect.objectContaining({ outcome, tenant: 'tenant-a', statusCode: status }));
  }
  return { line, emf };
}

let h: Harness;
const allLines: string[] = [];
afterEach(async () => {
  jest.restoreAllMocks();
  allLines.push(...h.lines);
  await h.close();
});

describe('one log line and one EMF document per invocation, for every outcome', () => {
  beforeEach(async () => {
    h = await createHarness();
  });

  test('executed: claim, handler (with the processor) and completion timed, two DynamoDB requests, a cold start first', async () => {
    const reply = await h.invoke(postEvent('k-executed'));
    expect(reply.statusCode).toBe(201);
    expect(h.lines).toHaveLength(2);
    const { line, emf } = expectOutcome(h, 'executed', 201, 'onExecuted');
    expect(line).toMatchObject({ method: 'POST', route: '/payments', idempotencyKey: 'k-executed', executionId: expect.stringMatching(UUID), coldStart: true, claimCount: 1 });
    expect(line.apiRequestId).toMatch(/^api-/);
    expect(Object.keys(line.phasesMs).sort()).toEqual(['claim', 'completion', 'handler', 'processor']);
    expect(line.phasesMs.handler).toBeGreaterThanOrEqual(line.phasesMs.processor);
    expect(line.dynamoDbRequests).toBe(2);
    expect(line.processorCalls).toBe(1);
    expect(metricIn(emf, 'ColdStart')?.value).toBe(1);
    expect(metricIn(emf, 'ProcessorLatency')).toMatchObject({ unit: 'Milliseconds', dimensionSets: [['Service']] });
    expect(h.userHooks.onOutcome).toHaveBeenCalledWith(expect.objectContaining({ executionId: line.executionId, key: 'k-executed', takeover: false }));

    await h.invoke(postEvent('k-executed-2'));
    const second = lastInvocation(h.lines);
    expect(second.line.coldStart).toBe(false);
    expect(metricIn(second.emf, 'ColdStart')).toBeUndefined();
  });

  test('replayed from DynamoDB: one request, the stored status, the record that answered', async () => {
    await h.invoke(postEvent('k-replay'));
    const executionId = lastInvocation(h.lines).line.executionId;
    const reply = await h.invoke(postEvent('k-replay'));
    expect(reply.headers['Idempotent-Replayed']).toBe('true');
    const { line } = expectOutcome(h, 'replayed', 201, 'onReplay');
    expect(line).toMatchObject({ source: 'store', executionId, dynamoDbRequests: 1 });
    expect(line.phasesMs).toEqual({ claim: expect.any(Number) });
    expect(line.processorCalls).toBeUndefined();
  });

  test('conflict: a duplicate while the first still runs is a 409 from the store', async () => {
    const held = gate();
    const charging = gate();
    h.processor.next = async () => (charging.open(), await held.opened, 'succeeded');
    const first = h.invoke(postEvent('k-conflict'));
    await charging.opened; // the first one holds the key
    const reply = await h.invoke(postEvent('k-conflict'));
    expect(reply.statusCode).toBe(409);
    const { line } = expectOutcome(h, 'conflict', 409, 'onConflict');
    expect(line).toMatchObject({ source: 'store', dynamoDbRequests: 1, level: 'info' });
    held.open();
    expect((await first).statusCode).toBe(201);
    expect(lastInvocation(h.lines).line.outcome).toBe('executed');
  });

  test('mismatch: the same key with another body is a 422', async () => {
    await h.invoke(postEvent('k-mismatch'));
    const reply = await h.invoke(postEvent('k-mismatch', BODY.replace('1999', '2999')));
    expect(reply.statusCode).toBe(422);
    expectOutcome(h, 'mismatch', 422, 'onMismatch');
  });

  test('takeover, and the zombie it fenced out logs lease_lost with the answer of the record that beat it', async () => {
    const held = gate();
    const charging = gate();
    h.processor.next = async () => (charging.open(), await held.opened, 'succeeded');
    // The first holder's lease ends 1 ms after its claim: a frozen invocation.
    const zombie = h.invoke(postEvent('k-takeover'), lambdaContext(1));
    await charging.opened; // claimed, and its lease lapses now
    await sleep(5);
    h.processor.next = async () => 'succeeded';
    const retry = await h.invoke(postEvent('k-takeover'));
    expect(retry.statusCode).toBe(201);
    const { line } = expectOutcome(h, 'takeover', 201, 'onTakeover');
    expect(line).toMatchObject({ takeover: true, claimCount: 2, dynamoDbRequests: 3 }); // claim refused, takeover, completion

    held.open();
    const late = await zombie;
    expect(late.headers['Idempotent-Replayed']).toBe('true');
    const fenced = expectOutcome(h, 'lease_lost', 201, 'onLeaseLost').line;
    expect(fenced).toMatchObject({ level: 'warn', executionId: line.executionId, claimCount: 1 });
    expect(fenced.phasesMs.completion).toBeGreaterThan(0);
  });

  test('released: the processor did not answer, the key is released with its error code and the error is counted by kind', async () => {
    h.processor.next = async () => {
      throw new ProcessorUnavailableError(new Error('timeout talking to tok_visa processor'));
    };
    const reply = await h.invoke(postEvent('k-released'));
    expect(reply.statusCode).toBe(502);
    const { line, emf } = expectOutcome(h, 'released', 502, 'onRelease');
    expect(line).toMatchObject({ level: 'error', errorCode: 'processor_unavailable', processorErrors: 1, processorErrorKind: 'unavailable', dynamoDbRequests: 2 });
    expect(Object.keys(line.phasesMs).sort()).toEqual(['claim', 'handler', 'processor', 'release']);
    expect(metricIn(emf, 'ProcessorErrors')).toEqual({ value: 1, unit: 'Count', dimensionSets: [['Service'], ['Service', 'ErrorKind']] });
    expect(emf.ErrorKind).toBe('unavailable');
  });

  test('released: a handler answering 5xx releases the key too', async () => {
    h.behaviour = async () => ({ statusCode: 500, headers: {}, body: '{"error":"tok_visa leaked into a body"}' });
    expect((await h.invoke(postEvent('k-500'))).statusCode).toBe(500);
    const { line, emf } = expectOutcome(h, 'released', 500, 'onRelease');
    expect(line.errorCode).toBeUndefined();
    expect(metricIn(emf, 'ProcessorErrors')).toBeUndefined();
  });

  test('store_unavailable on the claim: the SDK retries, then a 503; nothing ran', async () => {
    h.faulty.faults.inject({ step: Step.Claim, fault: { kind: 'error', error: DynamoErrors.internalServerError } });
    const reply = await h.invoke(postEvent('k-unavailable'));
    expect(reply.statusCode).toBe(503);
    const { line } = expectOutcome(h, 'store_unavailable', 503, 'onStoreUnavailable');
    expect(line).toMatchObject({ level: 'error', errorCode: 'store_unavailable', dynamoDbRequests: 1, dynamoDbAttempts: 3, dynamoDbFailures: 1 });
    expect(line.executionId).toBeUndefined();
    expect(line.processorCalls).toBeUndefined();
  });

  test('store_unavailable on the completion: the charge ran, the key is released, completion and release timed', async () => {
    h.faulty.faults.inject({ step: Step.Complete, fault: { kind: 'error', error: DynamoErrors.throughputExceeded } });
    const reply = await h.invoke(postEvent('k-unavailable-late'));
    expect(reply.statusCode).toBe(503);
    const { line } = expectOutcome(h, 'store_unavailable', 503, 'onStoreUnavailable');
    expect(line).toMatchObject({ executionId: expect.stringMatching(UUID), processorCalls: 1, dynamoDbThrottles: 1 });
    expect(Object.keys(line.phasesMs).sort()).toEqual(['claim', 'completion', 'handler', 'processor', 'release']);
  });

  test('store_rejected on the claim: DynamoDB refused the write as invalid, a 500 without Retry-After', async () => {
    h.faulty.faults.inject({ step: Step.Claim, fault: { kind: 'error', error: DynamoErrors.validation } });
    const reply = await h.invoke(postEvent('k-rejected'));
    expect(reply.statusCode).toBe(500);
    expect(expectOutcome(h, 'store_rejected', 500, 'onStoreRejected').line).toMatchObject({ errorCode: 'store_rejected', dynamoDbRequests: 1 });
  });

  test('store_rejected on the completion: a result too large to keep completes as the 500 that says so', async () => {
    jest.spyOn(console, 'error').mockImplementation(() => {}); // the middleware's own line about it
    h.behaviour = async () => ({ statusCode: 200, headers: {}, body: randomBytes(400 * 1024).toString('base64') });
    const reply = await h.invoke(postEvent('k-too-large'));
    expect(reply.statusCode).toBe(500);
    expect(expectOutcome(h, 'store_rejected', 500, 'onStoreRejected').line).toMatchObject({ errorCode: 'response_too_large', level: 'error' });
  });

  test('a request the layer does not take (a read) is served; one refused before it (no key) is rejected; no hook runs', async () => {
    h.behaviour = async () => ({ statusCode: 200, headers: {}, body: '{}' });
    await h.invoke(getEvent('pay_123'));
    expect(expectOutcome(h, 'served', 200).line).toMatchObject({ method: 'GET', route: '/payments/{id}', dynamoDbRequests: 0 });
    await h.invoke(postEvent(undefined));
    expect(expectOutcome(h, 'rejected', 400).line.idempotencyKey).toBeUndefined();
    expect(h.userHooks.onOutcome).not.toHaveBeenCalled();
  });

  test('a handler that throws past everything is failed: logged with the error name, never its message, and rethrown', async () => {
    const lines: string[] = [];
    const telemetry = createTelemetry({ service: 'payments', log: (line) => lines.push(line) });
    const handler = telemetry.wrapHandler(async () => {
      throw new TypeError('cannot read tok_visa of undefined');
    });
    await expect(handler(postEvent('k-crash'), lambdaContext())).rejects.toThrow(TypeError);
    const { line, emf } = lastInvocation(lines);
    expect(line).toMatchObject({ outcome: InvocationOutcome.Failed, status: 500, errorName: 'TypeError', level: 'error', idempotencyKey: 'k-crash' });
    expect(emfProblems(emf)).toEqual([]);
    h.lines.push(...lines);
  });
});

describe('with the warm replay cache', () => {
  beforeEach(async () => {
    h = await createHarness({ cache: true });
  });

  test('replayed from the cache: no DynamoDB request, no execution id (the cache does not keep it)', async () => {
    await h.invoke(postEvent('k-cached'));
    await h.invoke(postEvent('k-cached'));
    const { line } = expectOutcome(h, 'replayed', 201, 'onReplay');
    expect(line).toMatchObject({ source: 'cache', dynamoDbRequests: 0 });
    expect(line.executionId).toBeUndefined();
  });

  test('a mismatch found in the cache is a 422 from the cache', async () => {
    await h.invoke(postEvent('k-cached-mismatch'));
    await h.invoke(postEvent('k-cached-mismatch', BODY.replace('usd', 'eur')));
    expect(expectOutcome(h, 'mismatch', 422, 'onMismatch').line).toMatchObject({ source: 'cache', dynamoDbRequests: 0 });
  });
});

// How the Lambda handler runs it: one invocation at a time, no AsyncLocalStorage.
describe('invocations one at a time (Lambda)', () => {
  beforeEach(async () => {
    h = await createHarness({ invocations: 'sequential' });
  });

  test('records the same: executed, then replayed, then store_unavailable, each with its own requests', async () => {
    await h.invoke(postEvent('k-seq'));
    expect(expectOutcome(h, 'executed', 201, 'onExecuted').line).toMatchObject({ dynamoDbRequests: 2, processorCalls: 1 });
    await h.invoke(postEvent('k-seq'));
    expect(expectOutcome(h, 'replayed', 201, 'onReplay').line).toMatchObject({ dynamoDbRequests: 1 });
    h.faulty.faults.inject({ step: Step.Claim, fault: { kind: 'error', error: DynamoErrors.internalServerError } });
    await h.invoke(postEvent('k-seq-2'));
    expect(expectOutcome(h, 'store_unavailable', 503, 'onStoreUnavailable').line).toMatchObject({ dynamoDbRequests: 1, dynamoDbAttempts: 3 });
  });
});

describe('every line', () => {
  beforeEach(async () => {
    h = await createHarness();
  });

  test('is one JSON object per line, and the log line comes before its EMF document', async () => {
    await h.invoke(postEvent('k-shape'));
    await h.invoke(getEvent('pay_1'));
    const all = parsed(h.lines);
    expect(all.map((l) => (l._aws ? 'emf' : l.message))).toEqual(['invocation', 'emf', 'invocation', 'emf']);
    for (const line of h.lines) expect(line).not.toContain('\n');
  });
});

// Last in the file, so it reads every line the tests above wrote (jest runs a file's tests in order).
describe('no secret in any line', () => {
  beforeEach(async () => {
    h = await createHarness();
  });

  test('whatever the outcome: no card token, payment method, secret key, Authorization header or body', () => {
    // Every request above carried them (harness.ts, SECRETS); so did some stored responses and error messages.
    expect(allLines.length).toBeGreaterThan(40);
    for (const line of allLines) expect([line, SECRET_PATTERN.test(line)]).toEqual([line, false]);
  });
});
