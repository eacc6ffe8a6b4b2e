import type { Cell } from '../load/matrix';
import type { OverheadRow } from '../load/overhead';
import { SCENARIO_IDS, SCENARIO_TITLES } from '../load/scenarios';
import type { VariantName } from '../variants/types';
import type { Comparison } from './compare';
import { formatNumber, formatOps, formatOutcomes, formatRatio, markdownTable } from './markdown';

const ordered = (cells: Cell[]) =>
  [...cells].sort(
    (a, b) =>
      SCENARIO_IDS.indexOf(a.scenario) - SCENARIO_IDS.indexOf(b.scenario) ||
      a.concurrency - b.concurrency ||
      VARIANT_ORDER.indexOf(a.variant) - VARIANT_ORDER.indexOf(b.variant),
  );
const VARIANT_ORDER: VariantName[] = ['baseline', 'powertools', 'ours'];

/** Every cell: requests by operation, latency percentiles, throughput, and the ratios of ours. */
export function loadTable(cells: Cell[], comparisons: Comparison[]): string {
  const rows = ordered(cells).map((c) => {
    const cmp = comparisons.find((x) => x.scenario === c.scenario && x.concurrency === c.concurrency);
    const ratios = c.variant === 'ours' && cmp
      ? `thr ${formatRatio(cmp.vsPowertools.throughput)} / ${cmp.vsBaseline ? formatRatio(cmp.vsBaseline.throughput) : '–'}; p99 ${formatRatio(cmp.vsPowertools.p99)} / ${cmp.vsBaseline ? formatRatio(cmp.vsBaseline.p99) : '–'}`
      : '';
    const byRound = c.throughputByRoundRps;
    return [
      c.scenario,
      c.concurrency,
      c.variant,
      formatOps(c.dynamoPerRequest),
      c.dynamoTotalPerRequest,
      c.p50Ms,
      c.p95Ms,
      c.p99Ms,
      c.throughputRps,
      `${formatNumber(Math.min(...byRound), 0)}–${formatNumber(Math.max(...byRound), 0)}`,
      ratios,
      formatOutcomes(c.outcomes),
    ];
  });
  return markdownTable(
    ['scenario', 'conc.', 'variant', 'DynamoDB requests per API request', 'total', 'p50 ms', 'p95 ms', 'p99 ms', 'req/s', 'req/s by round', 'ours ÷ Powertools / ÷ baseline', 'answers'],
    rows,
  );
}

/**
 * Where the time goes: mean latency of one DynamoDB request by operation, and the CPU one API
 * request costs this process and DynamoDB Local (on 2 shared cores, CPU is what bounds throughput).
 */
export function dynamoLatencyTable(cells: Cell[]): string {
  const rows = ordered(cells).map((c) => [
    c.scenario,
    c.concurrency,
    c.variant,
    Object.entries(c.dynamoMeanMs)
      .map(([op, ms]) => `${op} ${formatNumber(ms, 1)}`)
      .join(', ') || '–',
    formatNumber(Object.entries(c.dynamoMeanMs).reduce((sum, [op, ms]) => sum + ms * (c.dynamoPerRequest[op] ?? 0), 0), 1),
    formatNumber(c.nodeCpuMsPerRequest, 3),
    c.dynamoCpuMsPerRequest === null ? '–' : formatNumber(c.dynamoCpuMsPerRequest, 2),
  ]);
  return markdownTable(
    ['scenario', 'conc.', 'variant', 'mean ms per DynamoDB request, by operation', 'DynamoDB ms per API request', 'Node CPU ms per API request', 'DynamoDB Local CPU ms per API request'],
    rows,
  );
}

/** The acceptance: ours at least matches Powertools' throughput and p99 in these scenarios. */
export function acceptanceTable(cells: Cell[], comparisons: Comparison[]): string {
  const cell = (c: Comparison, v: VariantName) => cells.find((x) => x.scenario === c.scenario && x.concurrency === c.concurrency && x.variant === v)!;
  const rows = comparisons
    .filter((c) => c.acceptance)
    .map((c) => {
      const ours = cell(c, 'ours');
      const pt = cell(c, 'powertools');
      const verdict = c.acceptance!.throughputOk && c.acceptance!.p99Ok ? 'yes' : `no (${[!c.acceptance!.throughputOk && 'throughput', !c.acceptance!.p99Ok && 'p99'].filter(Boolean).join(', ')})`;
      const won = c.roundsWon;
      return [
        c.scenario,
        c.concurrency,
        `${ours.throughputRps} vs ${pt.throughputRps}`,
        formatRatio(c.vsPowertools.throughput),
        `${ours.p99Ms} vs ${pt.p99Ms}`,
        formatRatio(c.vsPowertools.p99),
        verdict,
        `${won.throughput}/${won.of} req/s, ${won.p99}/${won.of} p99`,
      ];
    });
  return markdownTable(
    ['scenario', 'conc.', 'req/s ours vs Powertools', 'ratio', 'p99 ms ours vs Powertools', 'ratio', 'ours ≥ Powertools?', 'rounds where ours ≥ Powertools'],
    rows,
  );
}

export function scenarioList(): string {
  return SCENARIO_IDS.map((id) => `- \`${id}\`: ${SCENARIO_TITLES[id]}`).join('\n');
}

/** The handlers' own CPU per first execution, DynamoDB answered in-process. */
export function overheadTable(rows: OverheadRow[]): string {
  return markdownTable(
    ['variant', 'µs of handler time per first execution', 'requests'],
    rows.map((r) => [r.variant, r.microsPerRequest, r.requests]),
  );
}
