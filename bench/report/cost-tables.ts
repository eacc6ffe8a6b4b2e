import { PREVIOUS_OPTIONS, SHIPPED_OPTIONS } from '../coldstart/bundle';
import type { ColdStart } from '../coldstart/measure';
import type { GrowthRow } from '../cost/growth';
import { PATHS, type PathCost, type PathId, type VariantSizing, withRealProcessor } from '../cost/sizing';
import { formatNumber, markdownTable } from './markdown';

const PATH_TITLES: Record<PathId, string> = {
  first: 'first execution',
  'replay-cold': 'replay, cold cache',
  'replay-warm': 'replay, warm container',
  'conflict-409': 'concurrent duplicate (409)',
  'mismatch-422': 'same key, other body (422)',
  'invalid-400': 'invalid body (400)',
};

const units = (cost: PathCost) => `**${formatNumber(cost.writeUnits)} WCU**${cost.indexWriteUnits ? ` + ${formatNumber(cost.indexWriteUnits)} list-index WCU` : ''}`;

const describePath = (cost: PathCost | undefined, baseline: boolean, path: PathId | 'real') => {
  if (!cost) return 'n/a';
  if (baseline && path !== 'first' && path !== 'invalid-400' && path !== 'real') return `n/a: charges again (${cost.status}), ${cost.writeUnits} WCU`;
  const ops = cost.requests.map((r) => `${r.operation} ${formatNumber(r.writeUnits)}${r.indexWriteUnits ? ` (+${r.indexWriteUnits} index)` : ''}`).join(' + ');
  return `${cost.status}: ${cost.requests.length} req, ${units(cost)}${ops ? ` (${ops})` : ''}`;
};

/** Requests and AWS write units per path of the request budget, per variant; the first execution also without the simulator's charge. */
export function pathCostTable(sizings: VariantSizing[]): string {
  const rows = PATHS.map((path) => [PATH_TITLES[path], ...sizings.map((s) => describePath(s.paths[path], s.variant === 'baseline', path))]);
  const real = sizings.map((s) => describePath(s.paths.first && withRealProcessor(s.paths.first), s.variant === 'baseline', 'real'));
  rows.splice(1, 0, ['first execution, real processor (the simulator\'s charge PutItem taken out)', ...real]);
  return markdownTable(['path', ...sizings.map((s) => s.variant)], rows);
}

/** Stored item sizes by DynamoDB's rules, and the write units one write of each implies. */
export function itemSizeTable(sizings: VariantSizing[]): string {
  const kb = (bytes: number | undefined) => (bytes === undefined ? '–' : `${bytes} B (${Math.max(1, Math.ceil(bytes / 1024))} WCU)`);
  const rows = sizings.map((s) => [
    s.variant,
    kb(s.items.recordInProgressBytes),
    kb(s.items.recordCompletedBytes),
    kb(s.items.paymentBytes),
    kb(s.items.chargeBytes),
    kb(s.items.indexEntryBytes),
  ]);
  return markdownTable(['variant', 'record IN_PROGRESS', 'record COMPLETED', 'payment item', 'charge item (simulator)', 'list-index entry (table key, index keys, payment)'], rows);
}

export function growthTable(rows: GrowthRow[]): string {
  const bodies = [...new Set(rows.map((r) => r.bodyKb))];
  const table = bodies.flatMap((kb) =>
    (['powertools', 'ours'] as const).map((variant) => {
      const r = rows.find((x) => x.bodyKb === kb && x.variant === variant)!;
      return [`${kb} KB`, variant, r.recordBytes, r.firstExecutionWriteUnits, r.replayWriteUnits];
    }),
  );
  return markdownTable(['response body', 'variant', 'stored record (bytes)', 'WCU, first execution', 'WCU per replay reaching DynamoDB'], table);
}

type Options = Pick<ColdStart, 'sdk' | 'client' | 'sourceMaps'>;
const sameOptions = (a: Options) => (b: Options) => a.sdk === b.sdk && a.client === b.client && a.sourceMaps === b.sourceMaps;
export const describeOptions = (o: Options) =>
  `SDK ${o.sdk === 'external' ? 'from the runtime' : 'bundled'}, ${o.client} client, source maps ${o.sourceMaps ? 'on' : 'off'}`;

/** Ours and Powertools side by side for every option combination, each built and run with the same options. */
export function coldStartTable(coldStarts: ColdStart[]): string {
  const ours = coldStarts.filter((c) => c.variant === 'ours');
  const rows = ours.map((o) => {
    const pt = coldStarts.find((c) => c.variant === 'powertools' && sameOptions(o)(c))!;
    const side = (c: ColdStart) => [`${formatNumber(c.bytes / 1024, 1)} KB`, `${formatNumber(c.initMedianMs, 1)} / ${formatNumber(c.initP90Ms, 1)}`, formatNumber(c.initAndFirstRequestMedianMs, 1)];
    return [o.sdk === 'external' ? 'runtime' : 'bundled', o.client, o.sourceMaps ? 'on' : 'off', ...side(o), ...side(pt), `×${formatNumber(o.initMedianMs / pt.initMedianMs)}`];
  });
  const table = markdownTable(
    ['AWS SDK', 'client', '--enable-source-maps', 'ours: bundle', 'ours: init median / p90 ms', 'ours: init + first request ms', 'Powertools: bundle', 'Powertools: init median / p90 ms', 'Powertools: init + first request ms', 'init, ours ÷ Powertools'],
    rows,
  );
  const fastest = (key: 'initMedianMs' | 'initAndFirstRequestMedianMs') => [...ours].sort((a, b) => a[key] - b[key])[0];
  const init = fastest('initMedianMs');
  const whole = fastest('initAndFirstRequestMedianMs');
  const find = (variant: ColdStart['variant'], o: Options) => coldStarts.find((c) => c.variant === variant && sameOptions(o)(c));
  const [shipped, previous, ptShipped] = [find('ours', SHIPPED_OPTIONS), find('ours', PREVIOUS_OPTIONS), find('powertools', SHIPPED_OPTIONS)];
  const verdict =
    shipped && previous && ptShipped
      ? ` Shipped options against the stack before (${describeOptions(PREVIOUS_OPTIONS)}), same run: ours' module init ×${formatNumber(shipped.initMedianMs / previous.initMedianMs)} (the target is at most ×0.7, "30% below"), and ×${formatNumber(shipped.initMedianMs / ptShipped.initMedianMs)} of Powertools built with the same options (target: at most ×1).`
      : '';
  return `${table}\n\n(${ours[0]?.runs ?? 0} fresh processes per row and variant.) Fastest for ours: module init, ${init && `${describeOptions(init)} (${formatNumber(init.initMedianMs, 1)} ms)`}; init and first request, ${whole && `${describeOptions(whole)} (${formatNumber(whole.initAndFirstRequestMedianMs, 1)} ms)`}.${verdict}`;
}
