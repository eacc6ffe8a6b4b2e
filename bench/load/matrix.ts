import type { CpuReading } from '../meter/process-cpu';
import { totalRequests } from '../meter/request-meter';
import type { ProxyHandler, Variant, VariantName } from '../variants/types';
import { type RunResult, runShots } from './runner';
import { planScenario, type ScenarioId, STORM_BURST, WITHOUT_BASELINE } from './scenarios';
import { addCounts, percentile, round, sum } from './stats';

/** One (scenario, concurrency, variant) over all rounds. */
export interface Cell {
  scenario: ScenarioId;
  concurrency: number;
  variant: VariantName;
  apiRequests: number;
  /** DynamoDB requests per API request, by operation, and in all. */
  dynamoPerRequest: Record<string, number>;
  dynamoTotalPerRequest: number;
  /** Mean time of one DynamoDB request, by operation, in ms: where the latency goes. */
  dynamoMeanMs: Record<string, number>;
  /** CPU per API request, in ms: this process (handlers and SDK) and DynamoDB Local's JVM. */
  nodeCpuMsPerRequest: number;
  dynamoCpuMsPerRequest: number | null;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** API requests per second over all rounds' timed wall time. */
  throughputRps: number;
  throughputByRoundRps: number[];
  p99ByRoundMs: number[];
  outcomes: Record<string, number>;
}

export interface MatrixPlan {
  scenarios: readonly ScenarioId[];
  concurrencies: readonly number[];
  rounds: number;
  /** API requests per timed run (storms round up to whole bursts). */
  requests: number;
  /** No round starts that would end after this (Date.now() ms), once MIN_ROUNDS ran. */
  deadlineEpochMs: number;
  /** Requests per scenario and variant in the untimed warm-up (the first matrix also warms DynamoDB Local's JIT). */
  warmUpRequests: number;
  readCpu: () => CpuReading;
}

export interface MatrixResult {
  cells: Cell[];
  roundsRun: number;
}

/** Untimed work before a timed run goes at this concurrency, to keep the whole bench short. */
const PREPARE_CONCURRENCY = 8;
/** Rounds that run whatever the time budget says: interleaving needs at least two. */
const MIN_ROUNDS = 2;

/**
 * Runs every scenario at every concurrency for every variant, `rounds` times, interleaved
 * (baseline, Powertools, ours, baseline, ...) so that drift on a shared machine hits all alike.
 */
export async function runMatrix(variants: Variant[], plan: MatrixPlan, progress: (line: string) => void): Promise<MatrixResult> {
  const warm = new Map<VariantName, ProxyHandler>(variants.map((v) => [v.name, v.newInstance()]));
  const runs = new Map<string, RunResult[]>();
  for (const variant of variants) await warmUp(variant, warm.get(variant.name)!, plan);

  let slowestRoundMs = 0;
  let roundsRun = 0;
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
          const tag = `r${r}-${scenario}-c${concurrency}`;
          const shots = planScenario(scenario, { variant, warm: warm.get(variant.name)!, requests, tag });
          await runShots(shots.prepare, PREPARE_CONCURRENCY, variant.meter, plan.readCpu);
          const result = await runShots(shots.shots, concurrency, variant.meter, plan.readCpu);
          const id = cellId(scenario, concurrency, variant.name);
          runs.set(id, [...(runs.get(id) ?? []), result]);
        }
      }
    }
    const roundMs = performance.now() - startedMs;
    slowestRoundMs = Math.max(slowestRoundMs, roundMs);
    roundsRun = r;
    progress(`round ${r}/${plan.rounds} done in ${(roundMs / 1000).toFixed(1)} s`);
  }

  return { cells: [...runs.entries()].map(([id, results]) => summarize(id, results)), roundsRun };
}

/** JIT (ours and the JVM's), connection pool and table warm-up, untimed. */
async function warmUp(variant: Variant, warm: ProxyHandler, plan: MatrixPlan): Promise<void> {
  for (const scenario of (['first', 'replay-cold', 'storm'] as const).filter((s) => runsIn(variant, s))) {
    const shots = planScenario(scenario, { variant, warm, requests: plan.warmUpRequests, tag: `warmup-${scenario}` });
    await runShots(shots.prepare, PREPARE_CONCURRENCY, variant.meter, plan.readCpu);
    await runShots(shots.shots, 8, variant.meter, plan.readCpu);
  }
}

const runsIn = (variant: Variant, scenario: ScenarioId) => variant.name !== 'baseline' || !WITHOUT_BASELINE.includes(scenario);

const cellId = (scenario: ScenarioId, concurrency: number, variant: VariantName) => `${scenario}|${concurrency}|${variant}`;

function summarize(id: string, results: RunResult[]): Cell {
  const [scenario, concurrency, variant] = id.split('|') as [ScenarioId, string, VariantName];
  const latencies = results.flatMap((r) => r.latenciesMs);
  const apiRequests = latencies.length;
  const counts: Record<string, number> = {};
  const elapsed: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
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
    dynamoPerRequest: perOp((op) => counts[op]! / apiRequests),
    dynamoTotalPerRequest: round(totalRequests(counts) / apiRequests, 3),
    dynamoMeanMs: perOp((op) => elapsed[op]! / counts[op]!),
    nodeCpuMsPerRequest: round(sum(results.map((r) => r.cpu.nodeMs)) / apiRequests, 3),
    dynamoCpuMsPerRequest: dynamoCpu === undefined ? null : round(dynamoCpu / apiRequests, 3),
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(percentile(latencies, 95)),
    p99Ms: round(percentile(latencies, 99)),
    throughputRps: round(apiRequests / (sum(results.map((r) => r.wallMs)) / 1000), 1),
    throughputByRoundRps: results.map((r) => round(r.latenciesMs.length / (r.wallMs / 1000), 1)),
    p99ByRoundMs: results.map((r) => round(percentile(r.latenciesMs, 99))),
    outcomes,
  };
}
