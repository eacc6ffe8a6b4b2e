import { type Env, flagFromEnv, numberFromEnv } from '../lambda/shared/env';

/** The benchmark's knobs, read once from the environment by bench/run.ts (all optional). */
export interface BenchConfig {
  /** API requests per timed run (storms round up to whole bursts of 32): `BENCH_REQUESTS`. @default 100 */
  requests: number;
  /**
   * Interleaved rounds (every scenario and concurrency runs baseline, Powertools, ours once per round):
   * `BENCH_ROUNDS`. Fewer run (at least 2) when the time budget would not hold them. @default 4
   */
  rounds: number;
  /** The whole run's budget, `BENCH_BUDGET_SECONDS`: the acceptance asks for under 5 minutes. @default 270 */
  budgetSeconds: number;
  /** `BENCH_CONCURRENCY`, comma-separated. @default [1, 8, 32] */
  concurrencies: number[];
  /** Fresh Node processes per bundle for the module-init figures: `BENCH_COLDSTART_RUNS`. @default 30 */
  coldStartRuns: number;
  /** The ranking again through the latency model (bench/latency/proxy.ts); `BENCH_LATENCY_MODEL=0` skips it. @default true */
  latencyModel: boolean;
  /**
   * Where RESULTS.md, HEADLINE.md, results.json and results.svg go: `BENCH_RESULTS_DIR`. A quick
   * run points it elsewhere so that the recorded results stay; relative to the repository root. @default 'bench'
   */
  resultsDir: string;
}

/** A positive integer, through the one env reader (a bad value is refused by name, never NaN). */
const int = (env: Env, name: string, fallback: number) => numberFromEnv(env, name, fallback, 1, 1_000_000, true);

export function benchConfigFromEnv(env: Env): BenchConfig {
  return {
    requests: int(env, 'BENCH_REQUESTS', 100),
    rounds: int(env, 'BENCH_ROUNDS', 4),
    budgetSeconds: int(env, 'BENCH_BUDGET_SECONDS', 270),
    concurrencies: (env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map((c) => int({ BENCH_CONCURRENCY: c.trim() }, 'BENCH_CONCURRENCY', 1)),
    coldStartRuns: int(env, 'BENCH_COLDSTART_RUNS', 30),
    latencyModel: env.BENCH_LATENCY_MODEL?.trim() ? flagFromEnv(env, 'BENCH_LATENCY_MODEL') : true,
    resultsDir: env.BENCH_RESULTS_DIR ?? 'bench',
  };
}
