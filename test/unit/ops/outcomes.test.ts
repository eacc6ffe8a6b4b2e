import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { requestFingerprint } from '../../../lambda/idempotency/fingerprint';
import { DynamoDbRecoveryStore } from '../../../lambda/idempotency/recovery-store';
import { createTelemetry, Service } from '../../../lambda/observability';
import { invocationLine, type InvocationSummary } from '../../../lambda/observability/invocation-log';
import { formatLine } from '../../../lambda/observability/pretty';
import { InvocationRecorder } from '../../../lambda/observability/scope';
import { ProcessorUnavailableError } from '../../../lambda/payments/processor';
import { recoverDue } from '../../../lambda/recovery/worker';
import { runOps } from '../../../ops/main';
import { OutcomeTally, type OutcomeSummary, percentile } from '../../../ops/outcomes';
import { BODY, createHarness, gate, type Harness, lambdaContext, postEvent } from '../observability/harness';

// `npm run ops -- outcomes` reads the lines the real telemetry writes: the payments chain (real
// middleware and DynamoDB store on DynamoDB Local) and a recovery sweep drive them here.

const dir = mkdtempSync(join(tmpdir(), 'ops-outcomes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ops(args: string[], stdin?: Readable & { isTTY?: boolean }) {
  let stdout = '';
  let stderr = '';
  const code = await runOps(args, {}, { out: (text) => (stdout += `${text}\n`), err: (text) => (stderr += `${text}\n`), stdin });
  return { code, stdout, stderr };
}

const write = (name: string, lines: string[], gzip = false) => {
  const path = join(dir, name);
  const text = `${lines.join('\n')}\n`;
  writeFileSync(path, gzip ? gzipSync(text) : text);
  return path;
};

describe('a morning of real telemetry lines', () => {
  let h: Harness;
  /** Every line the payments and recovery telemetry wrote, in order. */
  let lines: string[];
  let recoveryRequestId: string;

  beforeAll(async () => {
    h = await createHarness();
    const recoveryLines: string[] = [];
    const recovery = createTelemetry({ service: Service.Recovery, log: (line) => recoveryLines.push(line) });

    for (const key of ['k-1', 'k-2', 'k-3']) expect((await h.invoke(postEvent(key))).statusCode).toBe(201); // executed
    for (const key of ['k-1', 'k-2']) expect((await h.invoke(postEvent(key))).statusCode).toBe(201); // replayed
    expect((await h.invoke(postEvent('k-1', BODY.replace('1999', '2999')))).statusCode).toBe(422); // mismatch
    // A conflict: a duplicate while the first still runs.
    const held = gate();
    const charging = gate();
    h.processor.next = async () => (charging.open(), await held.opened, 'succeeded');
    const first = h.invoke(postEvent('k-busy'));
    await charging.opened;
    expect((await h.invoke(postEvent('k-busy'))).statusCode).toBe(409);
    held.open();
    expect((await first).statusCode).toBe(201);
    // Released: the processor did not answer.
    h.processor.next = async () => {
      throw new ProcessorUnavailableError();
    };
    expect((await h.invoke(postEvent('k-down'))).statusCode).toBe(502);

    // Two payments whose holders died; the processor is still down, and recovery gives up on both,
    // and on the released one (its client never retried).
    const nowMs = Date.now();
    for (const key of ['k-stuck', 'k-fixed']) {
      await h.store.claim({ tenant: 'tenant-a', key, fingerprint: requestFingerprint('POST', '/payments', BODY), leaseUntilEpochMs: nowMs - 1, nowMs, request: { method: 'POST', path: '/payments', body: BODY } });
    }
    const store = new DynamoDbRecoveryStore({ documentClient: DynamoDBDocumentClient.from(h.faulty.client), tableName: h.table.tableName });
    const redrive = recovery.wrapRedrive((record: { idempotencyKey: string; tenant: string; executionId: string; request: { method: string; path: string; body: string | null } }, context: Context) =>
      h.chain({ method: record.request.method, path: record.request.path, headers: { 'idempotency-key': record.idempotencyKey }, pathParameters: {}, body: record.request.body, tenant: record.tenant }, context),
    );
    const sweep = recovery.wrapRecovery(async (_event: unknown, _context: Context) =>
      recoverDue({ store, redrive: (record) => redrive(record, lambdaContext()), windowMs: 0, backoffMs: () => 60_000, log: recovery.recoveryLog }),
    );
    const context = lambdaContext(55_000);
    recoveryRequestId = context.awsRequestId;
    expect(await sweep(undefined, context)).toMatchObject({ due: 3, needsAttention: 3, needsAttentionStanding: 3 });
    // Later, the processor is back and the client retries one of them: its takeover completes it.
    h.processor.next = async () => 'succeeded';
    expect((await h.invoke(postEvent('k-fixed'))).statusCode).toBe(201);
    expect(await sweep(undefined, lambdaContext(55_000))).toMatchObject({ due: 0, needsAttentionStanding: 2 });

    // As two log groups exported one after the other: the order of the lines is not the order of events.
    lines = [...h.lines, ...recoveryLines];
  });
  afterAll(() => h.close());

  /** Every fact of this morning, as the summary must tell it. */
  function expectTheMorning(summary: OutcomeSummary) {
    const [payments, ...others] = summary.services;
    expect(others).toEqual([]);
    expect(payments).toMatchObject({ service: 'payments', invocations: 10, coldStarts: 1 });
    // Outcomes and statuses, most frequent first and by status.
    expect(payments!.outcomes.slice(0, 2)).toEqual([
      { value: 'executed', count: 4 },
      { value: 'replayed', count: 2 },
    ]);
    expect(Object.fromEntries(payments!.outcomes.map((o) => [o.value, o.count]))).toEqual({ executed: 4, replayed: 2, mismatch: 1, conflict: 1, released: 1, takeover: 1 });
    expect(payments!.statuses).toEqual([
      { value: 201, count: 7 },
      { value: 409, count: 1 },
      { value: 422, count: 1 },
      { value: 502, count: 1 },
    ]);
    // Durations: every invocation has a total; the processor phase those that charged (4 executed, the takeover, the release).
    const durations = Object.fromEntries(payments!.durationsMs.map((d) => [d.phase, d]));
    const invocations = lines.map((l) => JSON.parse(l)).filter((l) => l.message === 'invocation');
    expect(durations.total).toMatchObject({ count: 10, max: Math.max(...invocations.map((l) => l.durationMs)) });
    expect(durations.processor).toMatchObject({ count: 6, max: Math.max(...invocations.flatMap((l) => l.phasesMs?.processor ?? [])) });
    for (const d of Object.values(durations)) expect(d.p50 <= d.p90 && d.p90 <= d.p99 && d.p99 <= d.max).toBe(true);
    expect(payments!.durationsMs.map((d) => d.phase)).toEqual(['total', 'claim', 'handler', 'processor', 'completion', 'release']);

    expect(summary.recovery).toEqual({
      sweeps: 2,
      failedSweeps: 0,
      attempts: [{ value: 'needs_attention', count: 3 }],
      standing: { needsAttention: 2, at: expect.any(String) },
    });
    // k-stuck and k-down still wait (first); k-fixed was completed by its client after recovery gave up on it.
    const flagged = (key: string, completed: boolean) => ({
      tenant: 'tenant-a',
      idempotencyKey: key,
      executionId: expect.any(String),
      flaggedAt: expect.any(String),
      completedAt: completed ? expect.any(String) : null,
    });
    const waiting = summary.needsAttention.slice(0, 2).sort((a, b) => a.idempotencyKey!.localeCompare(b.idempotencyKey!));
    expect(waiting).toEqual([flagged('k-down', false), flagged('k-stuck', false)]);
    expect(summary.needsAttention.slice(2)).toEqual([flagged('k-fixed', true)]);
    expect(summary.needsAttention[2]!.completedAt! > summary.needsAttention[2]!.flaggedAt).toBe(true);
  }

  test('from a file of JSON lines (local mode redirected): per outcome, per status, percentiles, recovery, the keys to look at', async () => {
    const run = await ops(['outcomes', write('local.log', lines), '--json']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const summary = JSON.parse(run.stdout) as OutcomeSummary;
    expectTheMorning(summary);
    expect(summary.lines).toEqual({ read: 27, invocations: 10, recoveryAttempts: 3, recoverySweeps: 2, metricDocuments: 12, otherJson: 0, invalid: 0, notJson: 0, terminal: 0 });
  });

  test('from a CloudWatch Logs export on standard input: prefixed lines, platform lines and EMF documents counted apart', async () => {
    // Lambda's text format prefixes what console.log writes; an export or `aws logs tail` prefixes a timestamp.
    const exported = lines.flatMap((line, i) => {
      const { timestamp } = JSON.parse(line) as { timestamp?: string };
      const at = timestamp ?? '2026-01-05T09:00:00.000Z';
      return i % 3 === 0 ? [`${at}\t${recoveryRequestId}\tINFO\t${line}`] : i % 3 === 1 ? [`${at} ${line}`] : [line];
    });
    const withPlatform = [
      `2026-01-05T09:00:00.000Z START RequestId: ${recoveryRequestId} Version: $LATEST`,
      ...exported,
      `2026-01-05T09:00:00.100Z REPORT RequestId: ${recoveryRequestId}\tDuration: 12.3 ms\tBilled Duration: 13 ms`,
      '{"time":"2026-01-05T09:00:00.000Z","type":"platform.start","record":{"requestId":"r"}}',
      '{"message":"invocation","outcome":"executed"}', // ours by its message, not by its shape
      '',
    ];
    const run = await ops(['outcomes', '--json'], Readable.from(withPlatform.map((line) => `${line}\r\n`)));
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as OutcomeSummary;
    expectTheMorning(summary);
    expect(summary.lines).toEqual({ read: 32, invocations: 10, recoveryAttempts: 3, recoverySweeps: 2, metricDocuments: 12, otherJson: 1, invalid: 1, notJson: 3, terminal: 0 });
  });

  test('from gzipped export files and plain ones together, as text for a person', async () => {
    const half = Math.floor(lines.length / 2);
    const run = await ops(['outcomes', write('000000.gz', lines.slice(0, half), true), write('000001', lines.slice(half))]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^27 lines from \S+ to \S+: 10 invocations, 3 recovery attempts, 2 recovery sweeps, 12 EMF\n/);
    expect(run.stdout).toMatch(/^payments: 10 invocations, 1 cold start$/m);
    expect(run.stdout).toMatch(/^executed +4 +40\.0%$/m);
    expect(run.stdout).toMatch(/^502 +1 +10\.0%$/m);
    expect(run.stdout).toMatch(/^DURATION \(ms\) +COUNT +P50 +P90 +P99 +MAX$/m);
    expect(run.stdout).toMatch(/^processor +6 /m);
    expect(run.stdout).toContain('recovery: 2 sweeps; attempts: 3 needs_attention');
    expect(run.stdout).toMatch(/^at the last sweep \(\S+\), 2 records needed attention$/m);
    expect(run.stdout).toMatch(/^waiting +tenant-a +k-stuck /m);
    expect(run.stdout).toMatch(/^completed later +tenant-a +k-fixed /m);
  });

  test("local mode's terminal lines are not parsed, but recognised and explained", async () => {
    const pretty = lines.map((line) => formatLine(line)).filter((line): line is string => line !== undefined);
    const run = await ops(['outcomes', write('terminal.log', pretty)]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`skipped ${pretty.length} not JSON (${pretty.length} of them terminal lines)`);
    expect(run.stdout).toContain('npm start > local.log');
  });

  test('the CLI process reads a pipe', async () => {
    const path = write('piped.log', lines);
    const { stdout, code } = await new Promise<{ stdout: string; code: number }>((resolve) => {
      const child = execFile(process.execPath, ['--import', 'tsx', 'ops/cli.ts', 'outcomes', '--json'], { cwd: join(__dirname, '../../..'), timeout: 20_000 }, (error, out) =>
        resolve({ stdout: out, code: error ? Number(error.code ?? -1) : 0 }),
      );
      child.stdin!.end(readFileSync(path));
    });
    expect(code).toBe(0);
    expectTheMorning(JSON.parse(stdout));
  });
});

describe('percentiles', () => {
  /** An invocation line from the real writer, with the durations given. */
  function line(durationMs: number, processorMs?: number) {
    const recorder = new InvocationRecorder('r');
    recorder.recordIdempotency({ outcome: 'executed', tenant: 't', key: `k-${durationMs}`, statusCode: 201, durationsMs: { claim: 1 }, context: {} as never });
    if (processorMs !== undefined) recorder.recordProcessor({ durationMs: processorMs });
    const summary: InvocationSummary = { service: 'payments', requestId: 'r', coldStart: false, timestampMs: durationMs, durationMs, request: {}, statusCode: 201, recorder };
    return JSON.stringify(invocationLine(summary));
  }

  test('are nearest-rank: p50, p90 and p99 of 1..100 ms are 50, 90 and 99; of the processor phase, where it ran', () => {
    const tally = new OutcomeTally();
    for (let ms = 100; ms >= 1; ms--) tally.add(line(ms, ms % 2 === 0 ? ms / 2 : undefined)); // any order
    const [payments] = tally.summary().services;
    const byPhase = Object.fromEntries(payments!.durationsMs.map((d) => [d.phase, d]));
    expect(byPhase.total).toEqual({ phase: 'total', count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
    expect(byPhase.processor).toEqual({ phase: 'processor', count: 50, p50: 25, p90: 45, p99: 50, max: 50 });
    expect(byPhase.claim).toMatchObject({ count: 100, p50: 1, max: 1 });
  });

  test('of one value is that value; of two, p50 is the lower', () => {
    expect([percentile([7], 50), percentile([7], 99)]).toEqual([7, 7]);
    expect([percentile([1, 9], 50), percentile([1, 9], 90)]).toEqual([1, 9]);
  });
});

describe('usage', () => {
  test('a terminal on standard input and no file is a usage error, not a wait', async () => {
    const run = await ops(['outcomes'], Object.assign(Readable.from([]), { isTTY: true }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('reads log lines from files or a pipe');
  });

  test('a file that is not there: exit 1 with its name, and no database is needed', async () => {
    const run = await ops(['outcomes', join(dir, 'missing.log')]);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toContain(`Cannot read ${join(dir, 'missing.log')}: ENOENT`);
  });

  test('nothing to summarise says so', async () => {
    const run = await ops(['outcomes', write('empty.log', ['START RequestId: x', 'END RequestId: x'])]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No telemetry line to summarise');
  });
});
