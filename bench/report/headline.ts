import { PREVIOUS_OPTIONS, type RunOptions, SHIPPED_OPTIONS } from '../coldstart/bundle';
import type { ColdStart } from '../coldstart/measure';
import { type PathId, type VariantSizing, withRealProcessor } from '../cost/sizing';
import type { Cell } from '../load/matrix';
import type { ScenarioId } from '../load/scenarios';
import type { VariantName } from '../variants/types';
import { formatNumber, markdownTable } from './markdown';

const VARIANTS: VariantName[] = ['baseline', 'powertools', 'ours'];

/** The short table for the README: requests, write units, speed and cold start, ours against Powertools. */
export function headlineTable(cells: Cell[], latencyCells: Cell[], sizings: VariantSizing[], coldStarts: ColdStart[], concurrencies: number[]): string {
  const sizing = (v: VariantName) => sizings.find((s) => s.variant === v);
  const ratio = (ours: number | undefined, pt: number | undefined) =>
    ours === undefined || pt === undefined ? '' : pt === 0 ? (ours === 0 ? '=' : '') : `×${formatNumber(ours / pt)}`;
  const row = (label: string, value: (v: VariantName) => number | undefined, show = (n: number) => formatNumber(n), skipBaseline = false) => {
    const values = VARIANTS.map((v) => (skipBaseline && v === 'baseline' ? undefined : value(v)));
    return [label, ...values.map((n) => (n === undefined ? '–' : show(n))), ratio(values[2], values[1])];
  };
  const requests = (path: PathId) => (v: VariantName) => sizing(v)?.paths[path]?.requests.length;
  const real = (v: VariantName) => sizing(v)?.paths.first && withRealProcessor(sizing(v)!.paths.first!);
  const perConcurrency = (from: Cell[], scenario: ScenarioId, metric: 'throughputRps' | 'p99Ms', label: string) =>
    from.length === 0
      ? []
      : concurrencies.map((c) =>
          row(`${label}, concurrency ${c}`, (v) => from.find((x) => x.scenario === scenario && x.concurrency === c && x.variant === v)?.[metric], (n) => formatNumber(n, metric === 'p99Ms' ? 1 : 0), scenario !== 'first'),
        );
  const speed = (scenario: ScenarioId, name: string, withModel: boolean) => {
    const [from, suffix] = withModel ? [latencyCells, ' (latency model)'] : [cells, ''];
    return [...perConcurrency(from, scenario, 'throughputRps', `${name} req/s${suffix}`), ...perConcurrency(from, scenario, 'p99Ms', `${name} p99 ms${suffix}`)];
  };
  const cold = (variant: VariantName, o: RunOptions) =>
    coldStarts.find((c) => c.variant === variant && c.sdk === o.sdk && c.client === o.client && c.sourceMaps === o.sourceMaps);
  const coldRows = (o: RunOptions, label: string) => [
    row(`cold start (${label}): bundle KB`, (v) => cold(v, o) && cold(v, o)!.bytes / 1024, (n) => formatNumber(n, 1), true),
    row(`cold start (${label}): module init, median ms`, (v) => cold(v, o)?.initMedianMs, (n) => formatNumber(n, 1), true),
    row(`cold start (${label}): init + first request, median ms`, (v) => cold(v, o)?.initAndFirstRequestMedianMs, (n) => formatNumber(n, 1), true),
  ];
  const rows = [
    row('DynamoDB requests: first execution (simulated processor)', requests('first')),
    row('DynamoDB requests: first execution, real processor', (v) => real(v)?.requests.length),
    row('DynamoDB requests: replay, cold cache', requests('replay-cold'), undefined, true),
    row('DynamoDB requests: replay, warm container', requests('replay-warm'), undefined, true),
    row('DynamoDB requests: 409, key in progress', requests('conflict-409'), undefined, true),
    row('DynamoDB requests: 422, key reused with another body', requests('mismatch-422'), undefined, true),
    row('AWS write units: first execution, table (simulated processor)', (v) => sizing(v)?.paths.first?.writeUnits),
    row('AWS write units: first execution, table (real processor)', (v) => real(v)?.writeUnits),
    row('AWS write units: first execution, list index (GSI)', (v) => sizing(v)?.paths.first?.indexWriteUnits),
    row('AWS write units: replay reaching DynamoDB', (v) => sizing(v)?.paths['replay-cold']?.writeUnits, undefined, true),
    ...speed('first', 'first execution', false),
    ...speed('first', 'first execution', true),
    ...speed('replay-cold', 'replay (cold cache)', false),
    ...speed('replay-cold', 'replay (cold cache)', true),
    ...speed('replay-warm', 'replay (warm)', false),
    ...coldRows(SHIPPED_OPTIONS, 'lambda/shared/bundling.ts'),
    ...coldRows(PREVIOUS_OPTIONS, 'runtime SDK, --enable-source-maps'),
  ];
  return markdownTable(['', 'no idempotency (unsafe)', 'Powertools', 'ours', 'ours ÷ Powertools'], rows);
}
