/**
 * `npm run mutate`: proves each named guard is load-bearing. For every guard below, one at a time,
 * a copy of the repository gets that one guard removed (every expression kept valid, so only its
 * meaning changes) and runs only the tests named for it: they must fail. Prints the table, writes
 * reliability/mutations.json and the table between the mutate markers in RELIABILITY.md, and exits
 * non-zero when a mutant survives, when a mutation no longer applies (the code moved), or when the
 * named tests fail before any mutation. `npm run mutate -- --only <text>` runs the guards whose
 * name contains the text and writes nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { startDynamoDbLocal } from '../local/dynamodb-local';

interface Guard {
  /** The guard, as the table names it. */
  name: string;
  file: string;
  /** What the mutation does, in a few words. */
  how: string;
  /** Each `find` must occur exactly once in the file. */
  edits: { find: string; replace: string }[];
  tests: string[];
  /** Jest's `-t`: only these tests of the files run. */
  only: string;
}

const STORE = 'lambda/idempotency/dynamodb-store.ts';
const MIDDLEWARE = 'lambda/idempotency/middleware.ts';
const DECIDE = 'lambda/idempotency/decide.ts';
/** decide()'s mismatch rule: the store's takeover and the middleware's 422 both rest on it. */
const MISMATCH = "  if (record.fingerprint !== request.fingerprint) return { kind: 'mismatch' };\n";
const IT = 'test/integration/idempotency';
const REL = 'test/reliability';
/** The token clause made true whatever the token, the token still used (DynamoDB refuses unused values). */
const ANY_TOKEN = '#status = :inProgress AND (#leaseToken = :leaseToken OR attribute_exists(#leaseToken))';
const TAKEOVER = 'ConditionExpression: `${HELD_BY_US} AND ${LEASE_LAPSED}`';
const one = (file: string, find: string, replace: string) => ({ file, edits: [{ find, replace }] });

const GUARDS: Guard[] = [
  { name: 'claim: create only when no record, or a completed one past its retention', how: 'condition made always true',
    ...one(STORE, '`${NO_RECORD} OR ${COMPLETED_AND_EXPIRED}`', '`${NO_RECORD} OR attribute_exists(#pk) OR ${COMPLETED_AND_EXPIRED}`'),
    tests: [`${IT}/dynamodb-store.test.ts`], only: 'second claim while the lease is active|never claimed within retention' },
  { name: 'claim: expiry checked in the condition, not left to TTL', how: 'the completed-and-expired clause made false',
    ...one(STORE, '`${NO_RECORD} OR ${COMPLETED_AND_EXPIRED}`', '`${NO_RECORD} OR (${COMPLETED_AND_EXPIRED} AND attribute_not_exists(#pk))`'),
    tests: [`${IT}/middleware.test.ts`, `${IT}/retention.test.ts`], only: 'older than the retention it runs anew|only then is the key a new request' },
  { name: 'claim: a completed result is kept for its retention', how: 'expiry comparison made true',
    ...one(STORE, "'(#status = :completed AND #expires <= :nowSeconds)'", "'(#status = :completed AND (#expires <= :nowSeconds OR attribute_exists(#expires)))'"),
    tests: [`${IT}/dynamodb-store.test.ts`], only: 'never claimed within retention' },
  { name: "claim: own write recognised after a lost answer", how: 'recognition line deleted',
    ...one(STORE, "      if (existing?.leaseToken === record.leaseToken) return { kind: 'claimed', record, takeover: false };\n", ''),
    tests: [`${REL}/dynamodb-lost-answers.test.ts`], only: 'socket timeout.*the claim: the retried PutItem' },
  { name: "takeover: only after the lease lapsed (the condition's own clause)", how: '`AND ${LEASE_LAPSED}` deleted',
    ...one(STORE, TAKEOVER, 'ConditionExpression: `${HELD_BY_US}`'),
    tests: [`${IT}/dynamodb-store.test.ts`], only: "takeover's own condition refuses a lease that is still running" },
  { name: 'takeover: only of the record it decided on (token)', how: 'token clause made true',
    ...one(STORE, TAKEOVER, `ConditionExpression: \`${ANY_TOKEN} AND \${LEASE_LAPSED}\``),
    tests: [`${REL}/fencing-under-faults.test.ts`], only: 'takeover decided on one record never lands on another' },
  { name: 'takeover: one winner among concurrent retries', how: 'token and lease clauses both made true',
    ...one(STORE, TAKEOVER, `ConditionExpression: '${ANY_TOKEN} AND (#leaseUntil <= :nowMs OR attribute_exists(#leaseUntil))'`),
    tests: [`${IT}/concurrent-takeovers.test.ts`], only: 'racing' },
  { name: 'takeover: a different request never takes over', how: 'fingerprint test deleted',
    ...one(DECIDE, MISMATCH, ''),
    tests: [`${IT}/dynamodb-store.test.ts`], only: 'different fingerprint never takes over' },
  { name: 'takeover: own write recognised after a lost answer', how: 'recognition made false',
    ...one(STORE, 'if (current?.leaseToken === leaseToken && current.status === RecordStatus.InProgress) {', 'if (current?.leaseToken === leaseToken && current.status === RecordStatus.InProgress && current.pk === "none") {'),
    tests: [`${REL}/dynamodb-lost-answers.test.ts`], only: 'socket timeout.*the takeover: the retried UpdateItem' },
  { name: 'takeover: the execution id is kept', how: 'a new id per takeover',
    ...one(STORE, 'const record = { ...existing, leaseToken, leaseUntilEpochMs, leasedAtEpochMs: nowMs, claimCount: existing.claimCount + 1 };',
      'const record = { ...existing, executionId: randomUUID(), leaseToken, leaseUntilEpochMs, leasedAtEpochMs: nowMs, claimCount: existing.claimCount + 1 };'),
    tests: [`${IT}/middleware.test.ts`, 'test/integration/payments/guarantees.test.ts'], only: 'execution id handed to the handler survives|crash between the charge and the completion' },
  { name: 'completion: fenced by the lease token', how: 'token clause made true',
    ...one(STORE, "a zombie's token is stale.\n      ConditionExpression: HELD_BY_US,", `a zombie's token is stale.\n      ConditionExpression: '${ANY_TOKEN}',`),
    tests: [`${IT}/dynamodb-store.test.ts`, 'test/integration/payments/guarantees.test.ts'], only: 'fences the old holder out|zombie invocation whose lease was taken over cannot complete' },
  { name: 'completion: own write recognised after a lost answer', how: 'recognition line deleted',
    ...one(STORE, '      if (current?.status === RecordStatus.Completed && current.leaseToken === record.leaseToken) return current;\n', ''),
    tests: [`${REL}/dynamodb-lost-answers.test.ts`], only: 'completion by UpdateItem' },
  { name: 'completion: a throttled or conflicting transaction is a 503', how: 'the transient-reason line deleted',
    ...one(STORE, "      if (transactionReasons(error).some((r) => TRANSIENT_CANCELLATIONS.has(r.Code ?? ''))) return new StoreUnavailableError(error);\n", ''),
    tests: [`${REL}/dynamodb-outages.test.ts`], only: 'cancelled for throttling' },
  { name: 'release: fenced by the lease token', how: 'token clause made true',
    ...one(STORE, "UpdateExpression: 'SET #leaseUntil = :nowMs',\n          ConditionExpression: HELD_BY_US,", `UpdateExpression: 'SET #leaseUntil = :nowMs',\n          ConditionExpression: '${ANY_TOKEN}',`),
    tests: [`${IT}/dynamodb-store.test.ts`, `${REL}/fencing-under-faults.test.ts`], only: "fences the old holder out|zombie's failure cannot release" },
  { name: 'record key: scoped by tenant', how: 'the tenant left out of the digest',
    ...one('lambda/idempotency/record-key.ts', 'JSON.stringify([tenant, key])', 'JSON.stringify([key])'),
    tests: ['test/integration/payments/guarantees.test.ts'], only: "same key from two tenants|replaying another tenant's key" },
  { name: 'middleware: a different request is a 422', how: 'fingerprint comparison deleted',
    ...one(DECIDE, MISMATCH, ''),
    tests: ['test/integration/payments/idempotency-key-rules.test.ts'], only: 'same key and a different body is a 422' },
  { name: 'middleware: a returned 5xx releases the key', how: 'the 5xx line in `after` deleted',
    ...one(MIDDLEWARE, '    if (request.response.statusCode >= 500) return release(request); // a failure is not a result\n', ''),
    tests: [`${IT}/returned-failures.test.ts`], only: 'returned 503' },
  { name: 'middleware: a thrown error releases the key', how: '`onError` removed',
    ...one(MIDDLEWARE, 'return { before, after, onError: release };', 'return { before, after };'),
    tests: [`${IT}/middleware.test.ts`], only: 'execution id handed to the handler survives' },
  { name: 'middleware: a failed completion releases the key', how: 'state handed back to `onError` deleted',
    ...one(MIDDLEWARE, '        request.internal[STATE] = state; // onError releases it\n', ''),
    tests: [`${REL}/dynamodb-outages.test.ts`], only: 'InternalServerError.*at the completion' },
  { name: 'payments: a payment is kept for good (no TTL)', how: '`retainForever: false`',
    ...one('lambda/payments/operations.ts', '{ retainForever: true }', '{ retainForever: false }'),
    tests: ['test/integration/payments/idempotency-key-rules.test.ts'], only: 'handler.*names it past the retention' },
  { name: "payments: the processor's key is the execution id", how: 'a fresh key per attempt',
    ...one('lambda/payments/operations.ts', 'idempotencyKey: executionId,', 'idempotencyKey: `${executionId}:${Math.random()}`,'),
    tests: ['test/integration/payments/guarantees.test.ts'], only: 'crash between the charge and the completion' },
  { name: "Stripe: its Idempotency-Key is derived from the execution id", how: 'a fresh key per attempt',
    ...one('lambda/stripe/processor.ts', 'idempotencyKey: stripeIdempotencyKey(request.idempotencyKey)', 'idempotencyKey: stripeIdempotencyKey(`${request.idempotencyKey}:${Math.random()}`)'),
    tests: ['test/integration/stripe/stripe-payments.test.ts'], only: 'same PaymentIntent when the answer to its creation was lost' },
  { name: 'webhooks: a payment status never moves back', how: 'order clause made true',
    ...one('lambda/payments/payment-store.ts', "forward = `#state.#status IN (${earlier.map((_, i) => `:earlier${i}`).join(', ')})`;",
      "forward = `(#state.#status IN (${earlier.map((_, i) => `:earlier${i}`).join(', ')}) OR attribute_exists(#state.#status))`;"),
    tests: ['test/integration/stripe/webhooks.test.ts'], only: 'never moves a payment back' },
  { name: 'simulator: one charge per processor key', how: 'condition made always true',
    ...one('lambda/payments/simulated-processor.ts', "ConditionExpression: 'attribute_not_exists(#pk)',", "ConditionExpression: 'attribute_not_exists(#pk) OR attribute_exists(#pk)',"),
    tests: [`${REL}/dynamodb-lost-answers.test.ts`], only: "processor's charge: 502; the charge exists without a payment" },
  { name: 'fix: metadata named like prototype members is marshalled', how: '`convertClassInstanceToMap: false`',
    ...one('lambda/payments/app.ts', 'convertClassInstanceToMap: true }', 'convertClassInstanceToMap: false }'),
    tests: [`${REL}/fuzz-findings.test.ts`], only: 'named like Object.prototype members' },
  { name: "fix: an authorizer's tenant that is no tenant id is a 401", how: 'tenant id check deleted',
    ...one('lambda/payments/front-door.ts', "if (typeof tenant !== 'string' || !isTenantId(tenant)) throw unauthorized(", "if (typeof tenant !== 'string') throw unauthorized("),
    tests: [`${REL}/fuzz-findings.test.ts`], only: 'longer than any tenant id' },
  { name: 'fix: two Idempotency-Key headers differing in case are a 400', how: 'names compared as sent',
    ...one('lambda/idempotency/http-events.ts', 'const lower = name.toLowerCase();', 'const lower = name;'),
    tests: [`${REL}/fuzz-findings.test.ts`], only: 'two Idempotency-Key headers' },
];

const ROOT = resolve(__dirname, '..');
/** What a test run needs of the repository: everything but dependencies, build output and results. */
const NOT_COPIED = new Set(['node_modules', '.git', 'cdk.out', 'reliability', '.local-data', 'coverage', '.bench-out']);
/** A mutant that hangs is stopped here, and counted as killed (its tests did not pass). */
const RUN_TIMEOUT_MS = 5 * 60_000;

type Verdict = 'killed' | 'survived' | 'invalid';
interface JestRun {
  passed: number;
  failed: string[];
  firstFailure?: string;
  /** A suite that could not run (the mutant does not load), or nothing matched. */
  brokenSuites: string[];
  timedOut: boolean;
  durationMs: number;
}
interface Outcome { guard: Guard; verdict: Verdict; run: JestRun }

async function main(): Promise<void> {
  const onlyArg = process.argv.indexOf('--only');
  const filter = onlyArg > 0 ? process.argv[onlyArg + 1] : undefined;
  const guards = filter ? GUARDS.filter((g) => g.name.includes(filter)) : GUARDS;
  if (guards.length === 0) throw new Error(`no guard's name contains ${JSON.stringify(filter)}`);
  checkGuardsApply(guards);

  const startedAtMs = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'mutate-'));
  const dynamo = await startDynamoDbLocal();
  try {
    cpSync(ROOT, work, { recursive: true, filter: (src) => !NOT_COPIED.has(relative(ROOT, src).split(sep)[0]!) });
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir');
    mkdirSync(join(work, '.mutate'));

    const tests = [...new Set(guards.flatMap((g) => g.tests))];
    const baseline = await runJest(work, dynamo.endpoint, tests, guards.map((g) => g.only).join('|'), 'baseline');
    console.log(`baseline: ${baseline.passed} passed, ${baseline.failed.length} failed (${seconds(baseline.durationMs)})`);
    if (baseline.failed.length > 0 || baseline.brokenSuites.length > 0 || baseline.passed === 0) {
      throw new Error(`the named tests must pass before any mutation: ${[...baseline.failed, ...baseline.brokenSuites].join('; ') || 'none ran'}`);
    }

    const outcomes: Outcome[] = [];
    for (const [index, guard] of guards.entries()) {
      const originals = applyGuard(work, guard);
      let run: JestRun;
      try {
        run = await runJest(work, dynamo.endpoint, guard.tests, guard.only, `guard-${index + 1}`);
      } finally {
        for (const [path, text] of originals) writeFileSync(path, text);
      }
      const verdict: Verdict = run.brokenSuites.length > 0 ? 'invalid' : run.failed.length > 0 || run.timedOut ? 'killed' : 'survived';
      outcomes.push({ guard, verdict, run });
      console.log(`${verdict.padEnd(8)} ${guard.name}: ${run.failed.length} of ${run.failed.length + run.passed} failed (${seconds(run.durationMs)})`);
      const why = run.brokenSuites.length > 0 ? run.brokenSuites.join('; ') : run.firstFailure;
      if (why) console.log(`         ${why.slice(0, 240)}`);
    }

    const durationMs = Date.now() - startedAtMs;
    const table = markdownTable(outcomes, durationMs);
    console.log(`\n${table}`);
    if (!filter) record(outcomes, durationMs, table);
    const bad = outcomes.filter((o) => o.verdict !== 'killed');
    if (bad.length > 0) {
      console.error(`\n${bad.length} mutant(s) not killed: ${bad.map((o) => `${o.guard.name} (${o.verdict})`).join('; ')}`);
      process.exitCode = 1;
    }
  } finally {
    await dynamo.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Fails before anything runs when a guard's snippet is gone or ambiguous: the code moved, update the list. */
function checkGuardsApply(guards: Guard[]): void {
  const problems = guards.flatMap((guard) => {
    const text = readFileSync(join(ROOT, guard.file), 'utf8');
    const missingTests = guard.tests.filter((t) => !existsSync(join(ROOT, t))).map((t) => `${guard.name}: no test file ${t}`);
    const badEdits = guard.edits
      .map((edit) => ({ edit, count: text.split(edit.find).length - 1 }))
      .filter(({ count }) => count !== 1)
      .map(({ edit, count }) => `${guard.name}: ${JSON.stringify(edit.find.trim().slice(0, 80))} occurs ${count} times in ${guard.file}`);
    return [...missingTests, ...badEdits];
  });
  if (problems.length > 0) throw new Error(`scripts/mutate.ts no longer matches the code:\n  ${problems.join('\n  ')}`);
}

/** Applies the guard's edits in the copy; returns the files' original texts to restore byte for byte. */
function applyGuard(work: string, guard: Guard): Map<string, string> {
  const path = join(work, guard.file);
  const original = readFileSync(path, 'utf8');
  writeFileSync(path, guard.edits.reduce((text, edit) => text.replace(edit.find, () => edit.replace), original));
  return new Map([[path, original]]);
}

function runJest(work: string, endpoint: string, tests: string[], only: string, label: string): Promise<JestRun> {
  const outputFile = join(work, '.mutate', `${label}.json`);
  const args = [join(work, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', 'jest.config.js', '--ci', '--json', '--outputFile', outputFile, '--testNamePattern', only, ...tests];
  const startedAtMs = Date.now();
  return new Promise((resolveRun, reject) => {
    // Global setup finds DYNAMODB_ENDPOINT set and uses this run's one DynamoDB Local.
    const child: ChildProcess = spawn(process.execPath, args, { cwd: work, env: { ...process.env, DYNAMODB_ENDPOINT: endpoint, FORCE_COLOR: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      const durationMs = Date.now() - startedAtMs;
      if (timedOut) return resolveRun({ passed: 0, failed: [], brokenSuites: [], timedOut, durationMs });
      if (!existsSync(outputFile)) return reject(new Error(`jest wrote no results for ${label}:\n${stderr}`));
      resolveRun({ ...jestResults(JSON.parse(readFileSync(outputFile, 'utf8')), work), timedOut, durationMs });
    });
  });
}

interface JestJson {
  numTotalTests: number;
  testResults: { name: string; status: string; message: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

function jestResults(json: JestJson, work: string): Omit<JestRun, 'timedOut' | 'durationMs'> {
  const assertions = json.testResults.flatMap((suite) => suite.assertionResults);
  const failed = assertions.filter((a) => a.status === 'failed');
  const brokenSuites = json.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).map((s) => `${relative(work, s.name)} did not run: ${firstLines(s.message)}`);
  if (json.numTotalTests === 0 && brokenSuites.length === 0) brokenSuites.push('no test matched');
  const firstFailure = failed[0] ? `${failed[0].fullName}: ${firstLines(failed[0].failureMessages.join('\n'), 8)}` : undefined;
  return { passed: assertions.filter((a) => a.status === 'passed').length, failed: failed.map((a) => a.fullName), firstFailure, brokenSuites };
}

/** The first lines of a failure: the matcher, then what it expected and received. */
const firstLines = (text: string, count = 3) =>
  text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('at ')).slice(0, count).join(' ').replace(/^Error: /, '').slice(0, 400);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function markdownTable(outcomes: Outcome[], durationMs: number): string {
  const killed = outcomes.filter((o) => o.verdict === 'killed').length;
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = outcomes.map(({ guard, verdict, run }) => {
    const result = verdict === 'killed' ? `killed: ${run.timedOut ? 'timed out' : `${run.failed.length} of ${run.failed.length + run.passed} failed`}` : `**${verdict}**`;
    return `| ${cell(guard.name)} | \`${guard.file}\` | ${cell(guard.how)} | ${guard.tests.map((t) => `\`${t.replace(/^test\//, '')}\``).join(', ')}: ${cell(guard.only)} | ${result} |`;
  });
  return [
    `Last run: \`npm run mutate\`, ${new Date().toISOString().slice(0, 10)}, Node ${process.versions.node.split('.').slice(0, 2).join('.')}: ${outcomes.length} guards, ${killed} killed, in ${seconds(durationMs)}.`,
    '',
    '| guard removed | file | how | tests run (`-t`) | result |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** reliability/mutations.json and the table in RELIABILITY.md between its markers. */
function record(outcomes: Outcome[], durationMs: number, table: string): void {
  const document = {
    command: 'npm run mutate',
    recordedAt: new Date().toISOString(),
    node: process.version,
    durationMs,
    allKilled: outcomes.every((o) => o.verdict === 'killed'),
    guards: outcomes.map(({ guard, verdict, run }) => ({
      name: guard.name, file: guard.file, how: guard.how, tests: guard.tests, testNamePattern: guard.only,
      verdict, failedTests: run.failed, passedTests: run.passed, firstFailure: run.firstFailure, brokenSuites: run.brokenSuites, timedOut: run.timedOut, durationMs: run.durationMs,
    })),
  };
  mkdirSync(join(ROOT, 'reliability'), { recursive: true });
  writeFileSync(join(ROOT, 'reliability', 'mutations.json'), `${JSON.stringify(document, null, 2)}\n`);
  const docPath = join(ROOT, 'RELIABILITY.md');
  const doc = readFileSync(docPath, 'utf8');
  const [start, end] = ['<!-- mutate:start -->', '<!-- mutate:end -->'];
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`RELIABILITY.md has no ${start} ... ${end} markers`);
  writeFileSync(docPath, `${doc.slice(0, from + start.length)}\n${table}\n${doc.slice(to)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
