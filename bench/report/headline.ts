import type { ColdStart } from '../coldstart/measure';
import type { VariantSizing } from '../cost/sizing';
import type { Cell } from '../load/matrix';
import type { ScenarioId } from '../load/scenarios';
import type { VariantName } from '../variants/types';
import { formatNumber, markdownTable } from './markdown';

const VARIANTS: VariantName[] = ['baseline', 'powertools', 'ours'];

/** The short table for the README: requests, write units, speed and cold start, ours against Powertools. */
export function headlineTable(
  cells: Cell[],
  sizings: VariantSizing[],
  coldStarts: ColdStart[],
  concurrencies: number[],
  network: { cells: Cell[]; delayMs: number },
): string {
  const find = (from: Cell[], scenario: ScenarioId, c: number, v: VariantName) => from.find((x) => x.scenario === scenario && x.concurrency === c && x.variant === v);
  const cell = (scenario: ScenarioId, c: number, v: VariantName) => find(cells, scenario, c, v);
  const sizing = (v: VariantName) => sizings.find((s) => s.variant === v);
  const ratio = (ours: number | undefined, pt: number | undefined) =>
    ours === undefined || pt === undefined ? '' : pt === 0 ? (ours === 0 ? '=' : '') : `×${formatNumber(ours / pt)}`;
  const row = (label: string, value: (v: VariantName) => number | undefined, show = (n: number) => formatNumber(n), skipBaseline = false) => {
    const values = VARIANTS.map((v) => (skipBaseline && v === 'baseline' ? undefined : value(v)));
    return [label, ...values.map((n) => (n === undefined ? '–' : show(n))), ratio(values[2], values[1])];
  };
  const requests = (path: 'first' | 'replay-cold' | 'replay-warm' | 'conflict-409' | 'mismatch-422') => (v: VariantName) =>
    sizing(v)?.paths[path]?.requests.length;
  const perConcurrency = (scenario: ScenarioId, metric: 'throughputRps' | 'p99Ms', label: string, from = cells) =>
    concurrencies.map((c) =>
      row(`${label}, concurrency ${c}`, (v) => find(from, scenario, c, v)?.[metric], (n) => formatNumber(n, metric === 'p99Ms' ? 1 : 0), scenario !== 'first'),
    );
  const withNetwork = network.cells.length > 0 ? ` (+${network.delayMs} ms network per DynamoDB request)` : '';
  const cold = (name: ColdStart['name']) => coldStarts.find((c) => c.name === name);
  const rows = [
    row('DynamoDB requests: first execution', requests('first')),
    row('DynamoDB requests: replay, cold cache', requests('replay-cold'), undefined, true),
    row('DynamoDB requests: replay, warm container', requests('replay-warm'), undefined, true),
    row('DynamoDB requests: 409, key in progress', requests('conflict-409'), undefined, true),
    row('DynamoDB requests: 422, key reused with another body', requests('mismatch-422'), undefined, true),
    row('AWS write units: first execution', (v) => sizing(v)?.paths.first?.writeUnits),
    row('AWS write units: replay reaching DynamoDB', (v) => sizing(v)?.paths['replay-cold']?.writeUnits, undefined, true),
    ...perConcurrency('first', 'throughputRps', 'first execution req/s'),
    ...perConcurrency('first', 'p99Ms', 'first execution p99 ms'),
    ...(withNetwork ? perConcurrency('first', 'throughputRps', `first execution req/s${withNetwork}`, network.cells) : []),
    ...(withNetwork ? perConcurrency('first', 'p99Ms', `first execution p99 ms${withNetwork}`, network.cells) : []),
    ...perConcurrency('replay-cold', 'throughputRps', 'replay (cold cache) req/s'),
    ...perConcurrency('replay-cold', 'p99Ms', 'replay (cold cache) p99 ms'),
    ...perConcurrency('replay-warm', 'throughputRps', 'replay (warm) req/s'),
    ...perConcurrency('replay-warm', 'p99Ms', 'replay (warm) p99 ms'),
    ['cold start: bundle size (KB)', '–', formatNumber((cold('powertools')?.bytes ?? 0) / 1024, 1), formatNumber((cold('ours')?.bytes ?? 0) / 1024, 1), ratio(cold('ours')?.bytes, cold('powertools')?.bytes)],
    ['cold start: module init, median ms', '–', formatNumber(cold('powertools')?.initMedianMs ?? 0, 1), formatNumber(cold('ours')?.initMedianMs ?? 0, 1), ratio(cold('ours')?.initMedianMs, cold('powertools')?.initMedianMs)],
  ];
  return markdownTable(['', 'no idempotency (unsafe)', 'Powertools', 'ours', 'ours ÷ Powertools'], rows);
}
