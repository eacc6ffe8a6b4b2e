import { isDeepStrictEqual } from 'node:util';
import { ledgerFigures, soundLedger, storedPayment } from '../helpers/ledger';
import { type LocalServer, startLocalServer } from '../helpers/local-server';
import { FUZZ_SEED, histogram, mapConcurrently, percentile, scaled, suiteResults } from '../helpers/reliability';
import { readTable } from '../helpers/table-contents';

// The full run (RELIABILITY_FULL=1) takes minutes, not seconds.
jest.setTimeout(scaled(60_000, 900_000));

// A bounded load run in local mode: many requests over fewer keys (so duplicates race each other
// and replays mix with first executions), from a pool of concurrent connections. The table is
// scanned at the end: one record, one charge, one payment per key, and every 201 is that payment.
const REQUESTS = scaled(300, 2_000);
const KEYS = scaled(30, 200);
const CONCURRENCY = 32;
const TENANT = 'tenant-load';
const results = suiteResults('load');

/** mulberry32: a small seeded PRNG, so the run's order of keys is the same every time. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Every key once, the rest random duplicates, shuffled. */
function requestPlan(random: () => number): number[] {
  const plan = Array.from({ length: REQUESTS }, (_, i) => (i < KEYS ? i : Math.floor(random() * KEYS)));
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [plan[i], plan[j]] = [plan[j]!, plan[i]!];
  }
  return plan;
}

interface Sent {
  key: number;
  status: number;
  replayed: boolean;
  text: string;
  latencyMs: number;
}

let server: LocalServer;
let authorization: string;
beforeAll(async () => {
  server = await startLocalServer({ label: 'load' });
  authorization = await server.keys.authorization(TENANT);
});
afterAll(() => server.close());

test(`${REQUESTS} requests over ${KEYS} keys at concurrency ${CONCURRENCY}: no 5xx, one execution per key, every 201 the stored payment`, results.checked(async () => {
  const plan = requestPlan(seededRandom(FUZZ_SEED));
  const startedAtMs = Date.now();
  const sent = await mapConcurrently(plan, CONCURRENCY, async (key): Promise<Sent> => {
    const t0 = performance.now();
    const response = await fetch(`${server.url}/payments`, {
      method: 'POST',
      headers: { Authorization: authorization, 'Idempotency-Key': `load-${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ amount: 1_000 + key, currency: 'usd', source: 'tok_visa' }),
    });
    const text = await response.text();
    return { key, status: response.status, replayed: response.headers.get('idempotent-replayed') === 'true', text, latencyMs: performance.now() - t0 };
  });
  const durationMs = Date.now() - startedAtMs;

  const contents = await readTable(server.client, server.tableName);
  const ledger = ledgerFigures(contents);
  const problems: string[] = [];
  for (let key = 0; key < KEYS; key++) {
    const stored = storedPayment(contents, TENANT, `load-${key}`);
    const created = sent.filter((s) => s.key === key && s.status === 201);
    const executions = created.filter((s) => !s.replayed).length;
    if (executions !== 1) problems.push(`key ${key}: ${executions} first executions`);
    if (created.some((s) => !isDeepStrictEqual(JSON.parse(s.text), stored))) problems.push(`key ${key}: a 201 is not the stored payment`);
    if (new Set(created.map((s) => s.text)).size !== 1) problems.push(`key ${key}: 201 bodies differ`);
  }
  const latencies = sent.map((s) => s.latencyMs);
  const statusHistogram = histogram(sent.map((s) => (s.status === 201 && s.replayed ? '201 replayed' : s.status)));
  results.add({
    requests: REQUESTS,
    keys: KEYS,
    concurrency: CONCURRENCY,
    durationMs,
    throughputPerSecond: Math.round((REQUESTS / durationMs) * 1000),
    latencyMs: { p50: Math.round(percentile(latencies, 50)), p95: Math.round(percentile(latencies, 95)), p99: Math.round(percentile(latencies, 99)), max: Math.round(Math.max(...latencies)) },
    statusHistogram,
    ledger,
    invariantViolations: problems.length,
  });

  expect(sent.filter((s) => s.status >= 500)).toEqual([]);
  expect(sent.filter((s) => s.status !== 201 && s.status !== 409)).toEqual([]); // only executions, replays and "still running"
  expect(problems).toEqual([]);
  expect(ledger).toEqual(soundLedger(KEYS));
  // Not vacuous: duplicates really overlapped a running first execution (else they were all replays).
  expect(statusHistogram['409'] ?? 0).toBeGreaterThan(0);
}));
