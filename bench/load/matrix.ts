import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createVariant, type ProxyHandler, type Variant, type VariantName } from '../variants';
import { lambdaContext, PAYMENT, postPaymentEvent } from './events';
import type { CpuReading, RequestMeter } from './meters';
import { planScenario, runsIn, type ScenarioId, type Shot, STORM_BURST } from './scenarios';

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(Math.max(1, Math.ceil((p / 100) * sorted.length)), sorted.length) - 1]!;
}
export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
type Counts = Record<string, number>;
const addCounts = (a: Counts, b: Counts) => Object.entries(b).forEach(([k, v]) => (a[k] = (a[k] ?? 0) + v));

/** Sends the shots through `concurrency` workers, each sending its next as soon as its last is answered. */
async function runShots(shots: readonly Shot[], concurrency: number, meter: RequestMeter, readCpu: () => CpuReading) {
  const latenciesMs = new Array<number>(shots.length);
  const outcomes: Counts = {}; // `201`, `201 replayed`, `409`, ...
  let next = 0;
  const worker = async () => {
    while (next < shots.length) {
      const index = next++;
      const startedMs = performance.now();
      const result = await shots[index]!.handler(shots[index]!.event, lambdaContext());
      latenciesMs[index] = performance.now() - startedMs;
      const outcome = `${result.statusCode}${result.headers?.['Idempotent-Replayed'] === 'true' ? ' replayed' : ''}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
  };
  meter.reset();
  const [cpuBefore, startedMs] = [readCpu(), performance.now()];
  await Promise.all(Array.from({ length: Math.min(concurrency, shots.length) }, worker));
  const [wallMs, cpuAfter] = [performance.now() - startedMs, readCpu()];
  const dynamoMs = cpuAfter.dynamoMs === undefined || cpuBefore.dynamoMs === undefined ? undefined : cpuAfter.dynamoMs - cpuBefore.dynamoMs;
  return { latenciesMs, outcomes, wallMs, dynamo: meter.snapshot(), cpu: { nodeMs: cpuAfter.nodeMs - cpuBefore.nodeMs, dynamoMs } };
}
type RunResult = Awaited<ReturnType<typeof runShots>>;

/**
 * `requests` per timed run (storms round up to whole bursts); no round starts that would end after
 * `deadlineEpochMs` once MIN_ROUNDS ran; `warmUpRequests` untimed per scenario and variant first
 * (JIT, connection pool, DynamoDB Local's JVM).
 */
export interface MatrixPlan {
  scenarios: readonly ScenarioId[];
  concurrencies: readonly number[];
  rounds: number;
  requests: number;
  deadlineEpochMs: number;
  warmUpRequests: number;
  readCpu: () => CpuReading;
}

/** Untimed work goes at this concurrency, to keep the whole bench short. */
const PREPARE_CONCURRENCY = 8;
/** Rounds that run whatever the time budget says: interleaving needs at least two. */
const MIN_ROUNDS = 2;

/**
 * Every scenario at every concurrency for every variant, `rounds` times, interleaved (baseline,
 * Powertools, ours, baseline, ...) so that drift on a shared machine hits all alike.
 */
export async function runMatrix(variants: Variant[], plan: MatrixPlan, progress: (line: string) => void) {
  const warm = new Map<VariantName, ProxyHandler>(variants.map((v) => [v.name, v.newInstance()]));
  const run = async (variant: Variant, scenario: ScenarioId, requests: number, concurrency: number, tag: string) => {
    const { prepare, shots } = planScenario(scenario, variant, warm.get(variant.name)!, requests, tag);
    await runShots(prepare, PREPARE_CONCURRENCY, variant.meter, plan.readCpu);
    return runShots(shots, concurrency, variant.meter, plan.readCpu);
  };
  for (const v of variants) for (const s of (['first', 'replay-cold', 'storm'] as const).filter((s) => runsIn(v, s))) await run(v, s, plan.warmUpRequests, PREPARE_CONCURRENCY, `warmup-${s}`);

  const runs = new Map<string, RunResult[]>();
  let [slowestRoundMs, roundsRun] = [0, 0];
  for (let r = 1; r <= plan.rounds; r++) {
    if (r > MIN_ROUNDS && Date.now() + slowestRoundMs > plan.deadlineEpochMs) {
      progress(`stopping after ${roundsRun} rounds: another would overrun the time budget`);
      break;
    }
    const startedMs = performance.now();
    for (const scenario of plan.scenarios) {
      const requests = scenario === 'storm' ? Math.ceil(plan.requests / STORM_BURST) * STORM_BURST : plan.requests;
      for (const concurrency of plan.concurrencies) {
        for (const variant of variants.filter((v) => runsIn(v, scenario))) {
          const id = `${scenario}|${concurrency}|${variant.name}`;
          runs.set(id, [...(runs.get(id) ?? []), await run(variant, scenario, requests, concurrency, `r${r}-${scenario}-c${concurrency}`)]);
        }
      }
    }
    const roundMs = performance.now() - startedMs;
    [slowestRoundMs, roundsRun] = [Math.max(slowestRoundMs, roundMs), r];
    progress(`round ${r}/${plan.rounds} done in ${(roundMs / 1000).toFixed(1)} s`);
  }
  return { cells: [...runs.entries()].map(([id, results]) => summarize(id, results)), roundsRun };
}

/** One (scenario, concurrency, variant) over all rounds. */
export type Cell = ReturnType<typeof summarize>;

function summarize(id: string, results: RunResult[]) {
  const [scenario, concurrency, variant] = id.split('|') as [ScenarioId, string, VariantName];
  const latencies = results.flatMap((r) => r.latenciesMs);
  const apiRequests = latencies.length;
  const [counts, elapsed, outcomes]: [Counts, Counts, Counts] = [{}, {}, {}];
  for (const r of results) {
    addCounts(counts, r.dynamo.counts);
    addCounts(elapsed, r.dynamo.elapsedMs);
    addCounts(outcomes, r.outcomes);
  }
  const perOp = (f: (op: string) => number) => Object.fromEntries(Object.keys(counts).sort().map((op) => [op, round(f(op), 3)]));
  const dynamoCpu = results.every((r) => r.cpu.dynamoMs !== undefined) ? sum(results.map((r) => r.cpu.dynamoMs!)) : undefined;
  return {
    scenario,
    concurrency: Number(concurrency),
    variant,
    apiRequests,
    /** DynamoDB requests per API request, by operation and in all. */
    dynamoPerRequest: perOp((op) => counts[op]! / apiRequests),
    dynamoTotalPerRequest: round(sum(Object.values(counts)) / apiRequests, 3),
    /** Mean time of one DynamoDB request, by operation, in ms: where the latency goes. */
    dynamoMeanMs: perOp((op) => elapsed[op]! / counts[op]!),
    /** CPU per API request, in ms: this process (handlers and SDK) and DynamoDB Local's JVM. */
    nodeCpuMsPerRequest: round(sum(results.map((r) => r.cpu.nodeMs)) / apiRequests, 3),
    dynamoCpuMsPerRequest: dynamoCpu === undefined ? null : round(dynamoCpu / apiRequests, 3),
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(percentile(latencies, 95)),
    p99Ms: round(percentile(latencies, 99)),
    /** Over all rounds' timed wall time. */
    throughputRps: round(apiRequests / (sum(results.map((r) => r.wallMs)) / 1000), 1),
    throughputByRoundRps: results.map((r) => round(r.latenciesMs.length / (r.wallMs / 1000), 1)),
    p99ByRoundMs: results.map((r) => round(percentile(r.latenciesMs, 99))),
    outcomes,
  };
}

/** Scenarios where ours must at least match Powertools' throughput and p99 (the acceptance). */
const ACCEPTANCE_SCENARIOS: readonly ScenarioId[] = ['first', 'replay-cold', 'replay-warm'];

/** Ours ÷ Powertools (and ÷ baseline where it ran): below 1 is better for latency and requests, above 1 for throughput. */
export function compare(cells: Cell[]) {
  const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : Number.POSITIVE_INFINITY) : round(a / b, 3));
  const ratios = (ours: Cell, other: Cell) => ({
    throughput: ratio(ours.throughputRps, other.throughputRps),
    p50: ratio(ours.p50Ms, other.p50Ms),
    p99: ratio(ours.p99Ms, other.p99Ms),
    dynamoRequests: ratio(ours.dynamoTotalPerRequest, other.dynamoTotalPerRequest),
  });
  const paired = (a: number[], b: number[], better: (x: number, y: number) => boolean) => a.filter((x, i) => b[i] !== undefined && better(x, b[i]!)).length;
  return cells
    .filter((c) => c.variant === 'ours')
    .flatMap((ours) => {
      const find = (variant: VariantName) => cells.find((c) => c.scenario === ours.scenario && c.concurrency === ours.concurrency && c.variant === variant);
      const [pt, baseline] = [find('powertools'), find('baseline')];
      if (!pt) return [];
      return [{
        scenario: ours.scenario,
        concurrency: ours.concurrency,
        vsPowertools: ratios(ours, pt),
        vsBaseline: baseline && ratios(ours, baseline),
        /** Paired by round (the two ran back to back): near half on both sides means the difference is noise. */
        roundsWon: {
          throughput: paired(ours.throughputByRoundRps, pt.throughputByRoundRps, (x, y) => x >= y),
          p99: paired(ours.p99ByRoundMs, pt.p99ByRoundMs, (x, y) => x <= y),
          of: Math.min(ours.throughputByRoundRps.length, pt.throughputByRoundRps.length),
        },
        acceptance: ACCEPTANCE_SCENARIOS.includes(ours.scenario) ? { throughputOk: ours.throughputRps >= pt.throughputRps, p99Ok: ours.p99Ms <= pt.p99Ms } : undefined,
      }];
    });
}
export type Comparison = ReturnType<typeof compare>[number];

/**
 * The handlers' own time per first execution, DynamoDB taken out: a middleware answers every
 * request in-process with an empty success before it is sent. Sequential, after a warm-up.
 */
export async function measureHandlerOverhead(names: readonly VariantName[], requests: number) {
  const answerInProcess = (client: DynamoDBClient) =>
    client.middlewareStack.add(() => async () => ({ output: { $metadata: {} }, response: {} }), { step: 'initialize', priority: 'low', name: 'benchAnswerInProcess' });
  const handlers = await Promise.all(
    names.map(async (name) => {
      const variant = await createVariant(name, 'http://127.0.0.1:9', `overhead-${name}`, { createTable: false });
      answerInProcess(variant.client);
      return { name, handler: variant.newInstance(), micros: 0 };
    }),
  );
  const send = (h: ProxyHandler, key: string) => h(postPaymentEvent(key, PAYMENT), lambdaContext());
  for (const { handler } of handlers) for (let i = 0; i < 200; i++) await send(handler, `warm-${i}`);
  for (let r = 0; r < 3; r++) {
    for (const h of handlers) {
      const startedMs = performance.now();
      for (let i = 0; i < requests; i++) await send(h.handler, `o-${r}-${i}`);
      h.micros += (performance.now() - startedMs) * 1000;
    }
  }
  return handlers.map((h) => ({ variant: h.name, microsPerRequest: round(h.micros / (3 * requests), 1), requests: 3 * requests }));
}
export type OverheadRow = Awaited<ReturnType<typeof measureHandlerOverhead>>[number];
