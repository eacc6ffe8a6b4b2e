import type { ColdStart } from '../coldstart/measure';
import type { GrowthRow } from '../cost/growth';
import { PATHS, type PathCost, type PathId, type VariantSizing } from '../cost/sizing';
import { formatNumber, markdownTable } from './markdown';

const PATH_TITLES: Record<PathId, string> = {
  first: 'first execution',
  'replay-cold': 'replay, cold cache',
  'replay-warm': 'replay, warm container',
  'conflict-409': 'concurrent duplicate (409)',
  'mismatch-422': 'same key, other body (422)',
  'invalid-400': 'invalid body (400)',
};

const describePath = (cost: PathCost | undefined, baseline: boolean, path: PathId) => {
  if (!cost) return 'n/a';
  if (baseline && path !== 'first' && path !== 'invalid-400') return `n/a: charges again (${cost.status}), ${cost.writeUnits} WCU`;
  const ops = cost.requests.map((r) => `${r.operation} ${formatNumber(r.writeUnits)}`).join(' + ');
  return `${cost.status}: ${cost.requests.length} req, **${formatNumber(cost.writeUnits)} WCU**${ops ? ` (${ops})` : ''}`;
};

/** Requests and AWS write units per path of the request budget, per variant. */
export function pathCostTable(sizings: VariantSizing[]): string {
  const rows = PATHS.map((path) => [PATH_TITLES[path], ...sizings.map((s) => describePath(s.paths[path], s.variant === 'baseline', path))]);
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
  ]);
  return markdownTable(['variant', 'record IN_PROGRESS', 'record COMPLETED', 'payment item', 'charge item (simulator)'], rows);
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

export function coldStartTable(coldStarts: ColdStart[]): string {
  const rows = coldStarts.map((c) => [
    c.name,
    `${formatNumber(c.bytes / 1024, 1)} KB`,
    `${formatNumber(c.sourceMapBytes / 1024, 1)} KB`,
    c.initMedianMs,
    c.initP90Ms,
    c.initWithSourceMapsMedianMs,
  ]);
  const runs = coldStarts[0] ? `${coldStarts[0].runs} runs; ${coldStarts[0].sourceMapRuns} with source maps` : '';
  return `${markdownTable(['bundle', 'bundle size', 'source map', 'init median ms', 'init p90 ms', 'init median ms, --enable-source-maps'], rows)}\n\n(${runs})`;
}
