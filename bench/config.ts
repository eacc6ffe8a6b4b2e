/** The benchmark's knobs, read once from the environment (all optional). */
export interface BenchConfig {
  /**
   * API requests per timed run (storms round up to whole bursts of 32).
   * @default 100
   */
  requests: number;
  /**
   * Interleaved rounds: every (scenario, concurrency) runs baseline, Powertools, ours once per round.
   * Fewer run (at least 2) when the time budget would not hold them.
   * @default 4
   */
  rounds: number;
  /**
   * The whole run's time budget in seconds: no round starts that would end past it (less the
   * time the work after the rounds needs). The acceptance asks for under 5 minutes.
   * @default 270
   */
  budgetSeconds: number;
  /** @default [1, 8, 32] */
  concurrencies: number[];
  /**
   * Fresh Node processes per bundle for the module-init figures.
   * @default 30
   */
  coldStartRuns: number;
  /**
   * Whether to run the ranking again through the latency model (bench/latency/proxy.ts): first
   * executions and cold replays with AWS's per-operation latency added. `BENCH_LATENCY_MODEL=0` skips it.
   * @default true
   */
  latencyModel: boolean;
  /** Where bundles and the chart's inputs go; git-ignored. @default '.bench-out' */
  outDir: string;
}

type Env = Record<string, string | undefined>;

const int = (env: Env, name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};

export function benchConfigFromEnv(env: Env): BenchConfig {
  return {
    requests: int(env, 'BENCH_REQUESTS', 100),
    rounds: int(env, 'BENCH_ROUNDS', 4),
    budgetSeconds: int(env, 'BENCH_BUDGET_SECONDS', 270),
    concurrencies: (env.BENCH_CONCURRENCY ?? '1,8,32').split(',').map((c) => Number(c.trim())),
    coldStartRuns: int(env, 'BENCH_COLDSTART_RUNS', 30),
    latencyModel: env.BENCH_LATENCY_MODEL !== '0',
    outDir: env.BENCH_OUT_DIR ?? '.bench-out',
  };
}
