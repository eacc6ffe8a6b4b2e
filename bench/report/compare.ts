import type { Cell } from '../load/matrix';
import type { ScenarioId } from '../load/scenarios';
import { round } from '../load/stats';

/** Scenarios where ours must at least match Powertools' throughput and p99 (the acceptance). */
export const ACCEPTANCE_SCENARIOS: readonly ScenarioId[] = ['first', 'replay-cold', 'replay-warm'];

export interface Comparison {
  scenario: ScenarioId;
  concurrency: number;
  /** ours ÷ Powertools and ours ÷ baseline: below 1 is better for latency and requests, above 1 for throughput. */
  vsPowertools: Ratios;
  /** Absent where the baseline sits out (replays: it has none). */
  vsBaseline?: Ratios;
  /** Whether ours matched or beat Powertools on both throughput and p99 (acceptance scenarios only). */
  acceptance?: { throughputOk: boolean; p99Ok: boolean };
  /**
   * Paired by round (the two ran back to back): in how many rounds ours matched or beat
   * Powertools. Near half on both sides means the difference is the machine's noise.
   */
  roundsWon: { throughput: number; p99: number; of: number };
}

export interface Ratios {
  throughput: number;
  p50: number;
  p99: number;
  dynamoRequests: number;
}

const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? 1 : Number.POSITIVE_INFINITY) : round(a / b, 3));

function ratios(ours: Cell, other: Cell): Ratios {
  return {
    throughput: ratio(ours.throughputRps, other.throughputRps),
    p50: ratio(ours.p50Ms, other.p50Ms),
    p99: ratio(ours.p99Ms, other.p99Ms),
    dynamoRequests: ratio(ours.dynamoTotalPerRequest, other.dynamoTotalPerRequest),
  };
}

export function compare(cells: Cell[]): Comparison[] {
  const find = (scenario: ScenarioId, concurrency: number, variant: Cell['variant']) =>
    cells.find((c) => c.scenario === scenario && c.concurrency === concurrency && c.variant === variant);
  const comparisons: Comparison[] = [];
  for (const ours of cells.filter((c) => c.variant === 'ours')) {
    const powertools = find(ours.scenario, ours.concurrency, 'powertools');
    const baseline = find(ours.scenario, ours.concurrency, 'baseline');
    if (!powertools) continue;
    const vsPowertools = ratios(ours, powertools);
    const paired = (a: number[], b: number[], better: (x: number, y: number) => boolean) => a.filter((x, i) => b[i] !== undefined && better(x, b[i]!)).length;
    comparisons.push({
      scenario: ours.scenario,
      concurrency: ours.concurrency,
      vsPowertools,
      ...(baseline ? { vsBaseline: ratios(ours, baseline) } : {}),
      roundsWon: {
        throughput: paired(ours.throughputByRoundRps, powertools.throughputByRoundRps, (x, y) => x >= y),
        p99: paired(ours.p99ByRoundMs, powertools.p99ByRoundMs, (x, y) => x <= y),
        of: Math.min(ours.throughputByRoundRps.length, powertools.throughputByRoundRps.length),
      },
      ...(ACCEPTANCE_SCENARIOS.includes(ours.scenario)
        ? { acceptance: { throughputOk: ours.throughputRps >= powertools.throughputRps, p99Ok: ours.p99Ms <= powertools.p99Ms } }
        : {}),
    });
  }
  return comparisons;
}
