import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { requestFingerprint } from '../../../lambda/idempotency/fingerprint';
import { DynamoDbRecoveryStore } from '../../../lambda/idempotency/recovery-store';
import { createTelemetry, Service } from '../../../lambda/observability';
import { ProcessorUnavailableError } from '../../../lambda/payments/processor';
import { recoverDue } from '../../../lambda/recovery/worker';
import { TableSchema } from '../../../lambda/shared/table';
import { DynamoErrors, Step } from '../../helpers/fault-injection';
import { emfProblems, metricIn } from './emf-spec';
import { BODY, createHarness, gate, type Harness, lambdaContext, parsed, postEvent, SECRET_PATTERN } from './harness';

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

describe('the standing gauge: every sweep counts the records that need attention, on DynamoDB Local', () => {
  const failingProcessor = () => {
    h.processor.next = async () => {
      throw new ProcessorUnavailableError();
    };
  };
  /** One sweep (recovery giving up at once: window 0), its line and EMF document. */
  async function sweptOnce() {
    lines.length = 0;
    await sweep(0)(undefined, lambdaContext(55_000));
    const [emf] = emfDocuments();
    expect(emfProblems(emf)).toEqual([]);
    return { line: byMessage('recovery sweep')[0]!, emf: emf! };
  }

  test('stands while the record does (long after the sweep that marked it), and falls when a retry finishes it', async () => {
    const quiet = await sweptOnce();
    expect(quiet.emf).toMatchObject({ NeedsAttention: 0, NeedsAttentionStanding: 0 });
    expect(metricIn(quiet.emf, 'NeedsAttentionStanding')).toEqual({ value: 0, unit: 'Count', dimensionSets: [['Service']] });

    await stalledPayment('k-stands-1');
    await stalledPayment('k-stands-2');
    failingProcessor();
    const marked = await sweptOnce();
    expect(marked.emf).toMatchObject({ NeedsAttention: 2, NeedsAttentionStanding: 2 });
    expect(marked.line).toMatchObject({ needsAttention: 2, needsAttentionStanding: 2 });

    // The next sweeps find nothing due and mark nothing: the count of new marks is 0, the gauge is not.
    const later = await sweptOnce();
    expect(later.emf).toMatchObject({ RecoveryDue: 0, NeedsAttention: 0, NeedsAttentionStanding: 2 });

    // The processor is back and the client retries one key: its takeover completes the record.
    h.processor.next = async () => 'succeeded';
    expect((await h.invoke(postEvent('k-stands-1'))).statusCode).toBe(201);
    const after = await sweptOnce();
    expect(after.emf).toMatchObject({ NeedsAttention: 0, NeedsAttentionStanding: 1 });
  });

  test('a record a client retry holds right now still counts: nobody has looked at it yet', async () => {
    await stalledPayment('k-held');
    failingProcessor();
    await sweptOnce();
    // The retry takes the lease over and is held at its charge.
    const charging = gate();
    const answer = gate();
    h.processor.next = async () => {
      charging.open();
      await answer.opened;
      return 'succeeded';
    };
    const retry = h.invoke(postEvent('k-held'));
    await charging.opened;
    expect((await sweptOnce()).emf).toMatchObject({ RecoveryDue: 0, NeedsAttentionStanding: 1 });
    answer.open();
    expect((await retry).statusCode).toBe(201);
    expect((await sweptOnce()).emf).toMatchObject({ NeedsAttentionStanding: 0 });
  });

  test('a sweep that cannot count publishes no gauge (a 0 would turn the alarm off), and says so', async () => {
    // The sweep's own listing (one query per shard) goes through; the count's queries fail.
    h.faulty.faults.inject({ step: Step.Other, fault: { kind: 'delay', until: Promise.resolve() }, times: TableSchema.recoveryIndex.shards });
    h.faulty.faults.inject({ step: Step.Other, fault: { kind: 'error', error: DynamoErrors.internalServerError } });
    const { line, emf } = await sweptOnce();
    expect(line).toMatchObject({ outcome: 'swept', due: 0 });
    expect(line).not.toHaveProperty('needsAttentionStanding');
    expect(emf).toMatchObject({ RecoverySweepErrors: 0, NeedsAttention: 0 });
    expect(emf).not.toHaveProperty('NeedsAttentionStanding');
    expect(metricIn(emf, 'NeedsAttentionStanding')).toBeUndefined();
    expect(parsed(lines).map((l) => l.message)).toContain('recovery could not count the records that need attention');
  });
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
