import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { requestFingerprint } from '../../../lambda/idempotency/fingerprint';
import { DynamoDbRecoveryStore } from '../../../lambda/idempotency/recovery-store';
import { createTelemetry, Service } from '../../../lambda/observability';
import { ProcessorUnavailableError } from '../../../lambda/payments/processor';
import { recoverDue } from '../../../lambda/recovery/worker';
import { emfProblems, metricIn } from './emf-spec';
import { BODY, createHarness, type Harness, lambdaContext, parsed, SECRET_PATTERN } from './harness';

// The recovery worker as it runs in the recovery Lambda: its re-drive goes through the real
// middleware (a takeover of the stalled record), its `log` and the sweep through the telemetry.
let h: Harness;
let lines: string[];
let telemetry: ReturnType<typeof createTelemetry>;

beforeEach(async () => {
  h = await createHarness();
  lines = [];
  telemetry = createTelemetry({ service: Service.Recovery, log: (line) => lines.push(line) });
});
afterEach(async () => {
  for (const line of lines) expect([line, SECRET_PATTERN.test(line)]).toEqual([line, false]);
  await h.close();
});

/** A payment whose holder died: claimed with its request stored, lease already lapsed, never completed. */
async function stalledPayment(key: string) {
  const nowMs = Date.now();
  const claimed = await h.store.claim({
    tenant: 'tenant-a',
    key,
    fingerprint: requestFingerprint('POST', '/payments', BODY),
    leaseUntilEpochMs: nowMs - 1,
    nowMs,
    request: { method: 'POST', path: '/payments', body: BODY },
  });
  return claimed.record;
}

function sweep(windowMs = Number.POSITIVE_INFINITY) {
  const store = new DynamoDbRecoveryStore({ documentClient: DynamoDBDocumentClient.from(h.faulty.client), tableName: h.table.tableName });
  const redrive = telemetry.wrapRedrive((record: { executionId: string; idempotencyKey: string; tenant: string; request: { method: string; path: string; body: string | null } }, context: Context) =>
    h.chain({ method: record.request.method, path: record.request.path, headers: { 'idempotency-key': record.idempotencyKey }, pathParameters: {}, body: record.request.body, tenant: record.tenant }, context),
  );
  return telemetry.wrapRecovery(async (_event: unknown, context: Context) =>
    recoverDue({ store, redrive: (record) => redrive(record, lambdaContext(10_000)), windowMs, backoffMs: () => 60_000, log: telemetry.recoveryLog, stopAtEpochMs: Date.now() + context.getRemainingTimeInMillis() }),
  );
}

const byMessage = (message: string) => parsed(lines).filter((line) => line.message === message);
const emfDocuments = () => parsed(lines).filter((line) => line._aws);

test.each(['concurrent', 'sequential'] as const)('a recovered payment (%s invocations): one attempt line joining the worker verdict with the takeover, then one sweep line and its EMF counts', async (invocations) => {
  telemetry = createTelemetry({ service: Service.Recovery, log: (line) => lines.push(line), invocations });
  const stalled = await stalledPayment('k-recover');
  const context = lambdaContext(55_000);
  const summary = await sweep()(undefined, context);
  expect(summary).toMatchObject({ due: 1, recovered: 1 });

  const [attempt] = byMessage('recovery attempt');
  expect(attempt).toMatchObject({
    level: 'info',
    service: 'recovery',
    requestId: context.awsRequestId,
    outcome: 'recovered',
    idempotencyOutcome: 'takeover',
    status: 201,
    tenant: 'tenant-a',
    idempotencyKey: 'k-recover',
    executionId: stalled.executionId,
    takeover: true,
    claimCount: 2,
    processorCalls: 1,
  });
  // The claim refused, the takeover and the completion; the worker's own check comes after the attempt.
  expect(attempt!.dynamoDbRequests).toBe(3);
  expect(Object.keys(attempt!.phasesMs).sort()).toEqual(['claim', 'completion', 'handler', 'processor']);

  const [line] = byMessage('recovery sweep');
  expect(line).toMatchObject({ outcome: 'swept', due: 1, recovered: 1, failed: 0, needsAttention: 0, skipped: 0, coldStart: true, requestId: context.awsRequestId });
  expect(line!.dynamoDbRequests).toBeGreaterThan(attempt!.dynamoDbRequests); // the listing and the check too

  const [emf] = emfDocuments();
  expect(emfProblems(emf)).toEqual([]);
  expect(emf).toMatchObject({ Service: 'recovery', RecoveryDue: 1, Recovered: 1, RecoveryFailed: 0, NeedsAttention: 0, RecoverySweepErrors: 0 });
  expect(metricIn(emf!, 'Recovered')).toEqual({ value: 1, unit: 'Count', dimensionSets: [['Service']] });
  expect(emfDocuments()).toHaveLength(1); // attempts are counted by the sweep's document, not one each
});

test('a failed attempt (the processor still down) is deferred: outcome failed, the re-drive released the key', async () => {
  await stalledPayment('k-fail');
  h.processor.next = async () => {
    throw new ProcessorUnavailableError();
  };
  await sweep()(undefined, lambdaContext(55_000));
  expect(byMessage('recovery attempt')[0]).toMatchObject({ level: 'warn', outcome: 'failed', idempotencyOutcome: 'released', status: 502, processorErrorKind: 'unavailable' });
  expect(byMessage('recovery sweep')[0]).toMatchObject({ level: 'warn', failed: 1 });
  expect(emfDocuments()[0]).toMatchObject({ RecoveryFailed: 1, Recovered: 0 });
});

test('a record recovery gives up on is needs_attention, logged as an error and counted', async () => {
  await stalledPayment('k-attention');
  h.processor.next = async () => {
    throw new ProcessorUnavailableError();
  };
  await sweep(0)(undefined, lambdaContext(55_000));
  expect(byMessage('recovery attempt')[0]).toMatchObject({ level: 'error', outcome: 'needs_attention', idempotencyKey: 'k-attention' });
  const [emf] = emfDocuments();
  expect(emfProblems(emf)).toEqual([]);
  expect(emf).toMatchObject({ NeedsAttention: 1, RecoveryFailed: 0 });
});

test('a sweep that throws logs sweep_failed, counts a sweep error, and still throws', async () => {
  const broken = telemetry.wrapRecovery(async (_event: unknown, _context: Context) => {
    throw new Error('ResourceNotFoundException: no table');
  });
  await expect(broken(undefined, lambdaContext())).rejects.toThrow('no table');
  expect(byMessage('recovery sweep')[0]).toMatchObject({ level: 'error', outcome: 'sweep_failed', errorName: 'Error' });
  const [emf] = emfDocuments();
  expect(emfProblems(emf)).toEqual([]);
  expect(emf).toMatchObject({ RecoverySweepErrors: 1, RecoveryDue: 0 });
});

test('local mode can keep quiet about sweeps that found nothing, and still reports one that did', async () => {
  const quiet = telemetry.wrapRecovery(async () => ({ due: 0, recovered: 0, failed: 0, needsAttention: 0, skipped: 0 }), { logIdleSweeps: false });
  await quiet();
  expect(lines).toEqual([]);
  const busy = telemetry.wrapRecovery(async () => ({ due: 1, recovered: 0, failed: 0, needsAttention: 0, skipped: 1 }), { logIdleSweeps: false });
  await busy();
  expect(byMessage('recovery sweep')).toHaveLength(1);
});

test('the worker line as it is written today (the outcome only in its message) is understood', async () => {
  telemetry.recoveryLog({ message: 'recovery needsAttention', tenant: 't', idempotencyKey: 'k', executionId: 'e' });
  telemetry.recoveryLog({ message: 'recovery recovered', outcome: 'recovered', tenant: 't', idempotencyKey: 'k2', executionId: 'e2', status: 201 });
  telemetry.recoveryLog({ message: 'something else', card: 'tok_visa' });
  const all = parsed(lines);
  expect(all.map((line) => [line.message, line.outcome])).toEqual([
    ['recovery attempt', 'needs_attention'],
    ['recovery attempt', 'recovered'],
    ['something else', undefined],
  ]);
  expect(all[1]).toMatchObject({ status: 201, idempotencyKey: 'k2' });
});
