import { type ColdStart, PREVIOUS_OPTIONS, type RunOptions, SHIPPED_OPTIONS, sameOptions } from '../coldstart/bundle';
import type { GrowthRow } from '../cost/growth';
import { PATHS, type PathCost, type PathId, type VariantSizing, withRealProcessor } from '../cost/sizing';
import type { Cell, Comparison, OverheadRow } from '../load/matrix';
import { SCENARIO_IDS, type ScenarioId } from '../load/scenarios';
import { VARIANT_NAMES, type VariantName } from '../variants';
import { type Column, num, ratio, table } from './table';

const ordered = (cells: Cell[]) =>
  [...cells].sort((a, b) => SCENARIO_IDS.indexOf(a.scenario) - SCENARIO_IDS.indexOf(b.scenario) || a.concurrency - b.concurrency || VARIANT_NAMES.indexOf(a.variant) - VARIANT_NAMES.indexOf(b.variant));
const cellOf = (cells: Cell[], scenario: ScenarioId, concurrency: number, variant: VariantName) =>
  cells.find((c) => c.scenario === scenario && c.concurrency === concurrency && c.variant === variant);
const ops = (perOp: Record<string, number>, digits = 2, join = ' + ') =>
  Object.entries(perOp).map(([op, n]) => `${op} ${num(n, digits)}`).join(join);
const cellKey: Column<Cell>[] = [['scenario', (c) => c.scenario], ['conc.', (c) => c.concurrency], ['variant', (c) => c.variant]];

/** Every cell: requests by operation, latency percentiles, throughput, and the ratios of ours. */
export function loadTable(cells: Cell[], comparisons: Comparison[]): string {
  const vs = (c: Cell) => {
    const cmp = comparisons.find((x) => x.scenario === c.scenario && x.concurrency === c.concurrency);
    if (c.variant !== 'ours' || !cmp) return '';
    const b = (key: 'throughput' | 'p99') => (cmp.vsBaseline ? ratio(cmp.vsBaseline[key]) : '–');
    return `thr ${ratio(cmp.vsPowertools.throughput)} / ${b('throughput')}; p99 ${ratio(cmp.vsPowertools.p99)} / ${b('p99')}`;
  };
  return table(ordered(cells), [
    ...cellKey,
    ['DynamoDB requests per API request', (c) => ops(Object.fromEntries(Object.entries(c.dynamoPerRequest).filter(([, n]) => n > 0))) || 'none'],
    ['total', (c) => c.dynamoTotalPerRequest],
    ['p50 ms', (c) => c.p50Ms],
    ['p95 ms', (c) => c.p95Ms],
    ['p99 ms', (c) => c.p99Ms],
    ['req/s', (c) => c.throughputRps],
    ['req/s by round', (c) => `${num(Math.min(...c.throughputByRoundRps), 0)}–${num(Math.max(...c.throughputByRoundRps), 0)}`],
    ['ours ÷ Powertools / ÷ baseline', vs],
    ['answers', (c) => Object.entries(c.outcomes).sort(([a], [b]) => a.localeCompare(b)).map(([o, n]) => `${o}: ${n}`).join(', ')],
  ]);
}

/** Where the time goes: mean latency of one DynamoDB request by operation, and the CPU one API request costs either side. */
export function dynamoLatencyTable(cells: Cell[]): string {
  return table(ordered(cells), [
    ...cellKey,
    ['mean ms per DynamoDB request, by operation', (c) => ops(c.dynamoMeanMs, 1, ', ') || '–'],
    ['DynamoDB ms per API request', (c) => num(Object.entries(c.dynamoMeanMs).reduce((sum, [op, ms]) => sum + ms * (c.dynamoPerRequest[op] ?? 0), 0), 1)],
    ['Node CPU ms per API request', (c) => num(c.nodeCpuMsPerRequest, 3)],
    ['DynamoDB Local CPU ms per API request', (c) => (c.dynamoCpuMsPerRequest === null ? '–' : num(c.dynamoCpuMsPerRequest, 2))],
  ]);
}

/** The acceptance: ours at least matches Powertools' throughput and p99 in these scenarios. */
export function acceptanceTable(cells: Cell[], comparisons: Comparison[]): string {
  const side = (c: Comparison, key: 'throughputRps' | 'p99Ms') => `${cellOf(cells, c.scenario, c.concurrency, 'ours')![key]} vs ${cellOf(cells, c.scenario, c.concurrency, 'powertools')![key]}`;
  return table(comparisons.filter((c) => c.acceptance), [
    ['scenario', (c) => c.scenario],
    ['conc.', (c) => c.concurrency],
    ['req/s ours vs Powertools', (c) => side(c, 'throughputRps')],
    ['ratio', (c) => ratio(c.vsPowertools.throughput)],
    ['p99 ms ours vs Powertools', (c) => side(c, 'p99Ms')],
    ['ratio', (c) => ratio(c.vsPowertools.p99)],
    ['ours ≥ Powertools?', ({ acceptance: a }) => (a!.throughputOk && a!.p99Ok ? 'yes' : `no (${[!a!.throughputOk && 'throughput', !a!.p99Ok && 'p99'].filter(Boolean).join(', ')})`)],
    ['rounds where ours ≥ Powertools', ({ roundsWon: w }) => `${w.throughput}/${w.of} req/s, ${w.p99}/${w.of} p99`],
  ]);
}

export const overheadTable = (rows: OverheadRow[]) =>
  table(rows, [['variant', (r) => r.variant], ['µs of handler time per first execution', (r) => r.microsPerRequest], ['requests', (r) => r.requests]]);

const PATH_TITLES: Record<PathId | 'real', string> = {
  first: 'first execution',
  real: "first execution, real processor (the simulator's charge PutItem taken out)",
  'replay-cold': 'replay, cold cache',
  'replay-warm': 'replay, warm container',
  'conflict-409': 'concurrent duplicate (409)',
  'mismatch-422': 'same key, other body (422)',
  'invalid-400': 'invalid body (400)',
};

/** Requests and AWS write units per path of the request budget, per variant; the first execution also without the simulator's charge. */
export function pathCostTable(sizings: VariantSizing[]): string {
  const describe = (s: VariantSizing, path: PathId | 'real') => {
    const cost: PathCost | undefined = path === 'real' ? s.paths.first && withRealProcessor(s.paths.first) : s.paths[path];
    if (!cost) return 'n/a';
    if (s.variant === 'baseline' && !['first', 'invalid-400', 'real'].includes(path)) return `n/a: charges again (${cost.status}), ${cost.writeUnits} WCU`;
    const list = cost.requests.map((r) => `${r.operation} ${num(r.writeUnits)}${r.indexWriteUnits ? ` (+${r.indexWriteUnits} index)` : ''}`).join(' + ');
    const index = cost.indexWriteUnits ? ` + ${num(cost.indexWriteUnits)} list-index WCU` : '';
    return `${cost.status}: ${cost.requests.length} req, **${num(cost.writeUnits)} WCU**${index}${list ? ` (${list})` : ''}`;
  };
  const paths: (PathId | 'real')[] = [PATHS[0], 'real', ...PATHS.slice(1)];
  return table(paths, [['path', (p) => PATH_TITLES[p]], ...sizings.map((s): Column<PathId | 'real'> => [s.variant, (p) => describe(s, p)])]);
}

/** Stored item sizes by DynamoDB's rules, and the write units one write of each implies. */
export function itemSizeTable(sizings: VariantSizing[]): string {
  const kb = (key: keyof VariantSizing['items']) => (s: VariantSizing) => {
    const bytes = s.items[key];
    return bytes === undefined ? '–' : `${bytes} B (${Math.max(1, Math.ceil(bytes / 1024))} WCU)`;
  };
  return table(sizings, [
    ['variant', (s) => s.variant],
    ['record IN_PROGRESS', kb('recordInProgressBytes')],
    ['record COMPLETED', kb('recordCompletedBytes')],
    ['payment item', kb('paymentBytes')],
    ['charge item (simulator)', kb('chargeBytes')],
    ['list-index entry (table key, index keys, payment)', kb('indexEntryBytes')],
  ]);
}

export const growthTable = (rows: GrowthRow[]) =>
  table([...rows].sort((a, b) => a.bodyKb - b.bodyKb || (a.variant === 'powertools' ? -1 : 1)), [
    ['response body', (r) => `${r.bodyKb} KB`],
    ['variant', (r) => r.variant],
    ['stored record (bytes)', (r) => r.recordBytes],
    ['WCU, first execution', (r) => r.firstExecutionWriteUnits],
    ['WCU per replay reaching DynamoDB', (r) => r.replayWriteUnits],
  ]);

export const describeOptions = (o: RunOptions) => `SDK ${o.sdk === 'external' ? 'from the runtime' : 'bundled'}, ${o.client} client, source maps ${o.sourceMaps ? 'on' : 'off'}`;
const coldOf = (coldStarts: ColdStart[], variant: ColdStart['variant'], o: RunOptions) => coldStarts.find((c) => c.variant === variant && sameOptions(o)(c));

/** Ours and Powertools side by side for every option combination, each built and run with the same options. */
export function coldStartTable(coldStarts: ColdStart[]): string {
  const ours = coldStarts.filter((c) => c.variant === 'ours');
  const pt = (o: ColdStart) => coldOf(coldStarts, 'powertools', o)!;
  const side = (name: string, of: (o: ColdStart) => ColdStart): Column<ColdStart>[] => [
    [`${name}: bundle`, (o) => `${num(of(o).bytes / 1024, 1)} KB`],
    [`${name}: init median / p90 ms`, (o) => `${num(of(o).initMedianMs, 1)} / ${num(of(o).initP90Ms, 1)}`],
    [`${name}: init + first request ms`, (o) => num(of(o).initAndFirstRequestMedianMs, 1)],
  ];
  const rows = table(ours, [
    ['AWS SDK', (o) => (o.sdk === 'external' ? 'runtime' : 'bundled')],
    ['client', (o) => o.client],
    ['--enable-source-maps', (o) => (o.sourceMaps ? 'on' : 'off')],
    ...side('ours', (o) => o),
    ...side('Powertools', pt),
    ['init, ours ÷ Powertools', (o) => ratio(o.initMedianMs / pt(o).initMedianMs)],
  ]);
  const fastest = (key: 'initMedianMs' | 'initAndFirstRequestMedianMs') => {
    const best = [...ours].sort((a, b) => a[key] - b[key])[0];
    return best && `${describeOptions(best)} (${num(best[key], 1)} ms)`;
  };
  const [shipped, previous, ptShipped] = [coldOf(coldStarts, 'ours', SHIPPED_OPTIONS), coldOf(coldStarts, 'ours', PREVIOUS_OPTIONS), coldOf(coldStarts, 'powertools', SHIPPED_OPTIONS)];
  const verdict =
    shipped && previous && ptShipped
      ? ` Shipped options against the stack before (${describeOptions(PREVIOUS_OPTIONS)}), same run: ours' module init ${ratio(shipped.initMedianMs / previous.initMedianMs)} (the target is at most ×0.7, "30% below"), and ${ratio(shipped.initMedianMs / ptShipped.initMedianMs)} of Powertools built with the same options (target: at most ×1).`
      : '';
  return `${rows}\n\n(${ours[0]?.runs ?? 0} fresh processes per row and variant.) Fastest for ours: module init, ${fastest('initMedianMs')}; init and first request, ${fastest('initAndFirstRequestMedianMs')}.${verdict}`;
}

/** The short table for the README: requests, write units, speed and cold start, ours against Powertools. */
export function headlineTable(cells: Cell[], latencyCells: Cell[], sizings: VariantSizing[], coldStarts: ColdStart[], concurrencies: number[]): string {
  type Row = { label: string; values: (number | undefined)[]; show: (n: number) => string };
  const row = (label: string, value: (v: VariantName) => number | undefined, skipBaseline = false, show = (n: number) => num(n)): Row => ({
    label,
    values: VARIANT_NAMES.map((v) => (skipBaseline && v === 'baseline' ? undefined : value(v))),
    show,
  });
  const sizing = (v: VariantName) => sizings.find((s) => s.variant === v);
  const requests = (path: PathId) => (v: VariantName) => sizing(v)?.paths[path]?.requests.length;
  const real = (v: VariantName) => sizing(v)?.paths.first && withRealProcessor(sizing(v)!.paths.first!);
  const speed = (scenario: ScenarioId, name: string, model: boolean) =>
    (['throughputRps', 'p99Ms'] as const).flatMap((metric) =>
      (model ? latencyCells : cells).length === 0
        ? []
        : concurrencies.map((c) =>
            row(`${name} ${metric === 'p99Ms' ? 'p99 ms' : 'req/s'}${model ? ' (latency model)' : ''}, concurrency ${c}`, (v) => cellOf(model ? latencyCells : cells, scenario, c, v)?.[metric], scenario !== 'first', (n) => num(n, metric === 'p99Ms' ? 1 : 0)),
          ),
    );
  const cold = (o: RunOptions, label: string) =>
    (['bytes', 'initMedianMs', 'initAndFirstRequestMedianMs'] as const).map((key) =>
      row(`cold start (${label}): ${{ bytes: 'bundle KB', initMedianMs: 'module init, median ms', initAndFirstRequestMedianMs: 'init + first request, median ms' }[key]}`, (v) => {
        const c = v === 'baseline' ? undefined : coldOf(coldStarts, v, o);
        return c && (key === 'bytes' ? c.bytes / 1024 : c[key]);
      }, true, (n) => num(n, 1)),
    );
  const rows = [
    row('DynamoDB requests: first execution (simulated processor)', requests('first')),
    row('DynamoDB requests: first execution, real processor', (v) => real(v)?.requests.length),
    row('DynamoDB requests: replay, cold cache', requests('replay-cold'), true),
    row('DynamoDB requests: replay, warm container', requests('replay-warm'), true),
    row('DynamoDB requests: 409, key in progress', requests('conflict-409'), true),
    row('DynamoDB requests: 422, key reused with another body', requests('mismatch-422'), true),
    row('AWS write units: first execution, table (simulated processor)', (v) => sizing(v)?.paths.first?.writeUnits),
    row('AWS write units: first execution, table (real processor)', (v) => real(v)?.writeUnits),
    row('AWS write units: first execution, list index (GSI)', (v) => sizing(v)?.paths.first?.indexWriteUnits),
    row('AWS write units: replay reaching DynamoDB', (v) => sizing(v)?.paths['replay-cold']?.writeUnits, true),
    ...speed('first', 'first execution', false),
    ...speed('first', 'first execution', true),
    ...speed('replay-cold', 'replay (cold cache)', false),
    ...speed('replay-cold', 'replay (cold cache)', true),
    ...speed('replay-warm', 'replay (warm)', false),
    ...cold(SHIPPED_OPTIONS, 'lambda/shared/bundling.ts'),
    ...cold(PREVIOUS_OPTIONS, 'runtime SDK, --enable-source-maps'),
  ];
  const vs = ({ values: [, pt, ours] }: Row) => (ours === undefined || pt === undefined ? '' : pt === 0 ? (ours === 0 ? '=' : '') : ratio(ours / pt));
  return table(rows, [
    ['', (r) => r.label],
    ...['no idempotency (unsafe)', 'Powertools', 'ours'].map((header, i): Column<Row> => [header, (r) => (r.values[i] === undefined ? '–' : r.show(r.values[i]!))]),
    ['ours ÷ Powertools', vs],
  ]);
}
