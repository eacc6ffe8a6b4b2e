import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { PAYMENTS_BUNDLING, PAYMENTS_NODE_OPTIONS, RUNTIME_PROVIDED_MODULES } from '../../lambda/shared/bundling';
import { postPaymentEvent } from '../load/events';
import { percentile, round } from '../load/matrix';

const ROOT = resolve(__dirname, '..', '..');

/** Each option is applied alike to ours and to Powertools' equivalent entry. */
export interface RunOptions {
  /** `external`: left to the runtime; `bundled`: tree-shaken into the bundle. */
  sdk: 'external' | 'bundled';
  /** `eager`: config, client and handler built at module load; `lazy`: on the first invocation. */
  client: 'eager' | 'lazy';
  /** NODE_OPTIONS=--enable-source-maps at run time: the same bundle, which always has an external map. */
  sourceMaps: boolean;
}
export type BundleOptions = Omit<RunOptions, 'sourceMaps'>;
export type BundledVariant = 'ours' | 'powertools';

const ENTRIES: Record<BundledVariant, Record<RunOptions['client'], string>> = {
  ours: { eager: 'lambda/payments/handler.ts', lazy: 'bench/coldstart/lazy-entry.ts' },
  powertools: { eager: 'bench/variants/powertools-entry.ts', lazy: 'bench/coldstart/powertools-lazy-entry.ts' },
};

/** What lambda/shared/bundling.ts ships (its entry, lambda/payments/handler.ts, is eager). */
export const SHIPPED_OPTIONS: RunOptions = {
  sdk: PAYMENTS_BUNDLING.externalModules.some((name) => RUNTIME_PROVIDED_MODULES.includes(name)) ? 'external' : 'bundled',
  client: 'eager',
  sourceMaps: PAYMENTS_NODE_OPTIONS.includes('--enable-source-maps'),
};
/** The stack before issue 10: the runtime's SDK and NODE_OPTIONS=--enable-source-maps. */
export const PREVIOUS_OPTIONS: RunOptions = { sdk: 'external', client: 'eager', sourceMaps: true };

export const BUNDLE_OPTIONS: BundleOptions[] = (['external', 'bundled'] as const).flatMap((sdk) => (['eager', 'lazy'] as const).map((client) => ({ sdk, client })));

export const sameOptions = (a: RunOptions) => (b: RunOptions) => a.sdk === b.sdk && a.client === b.client && a.sourceMaps === b.sourceMaps;

/**
 * Bundles an entry as the CDK stack's NodejsFunction does, from the same options
 * (lambda/shared/bundling.ts), with an external source map. The output sits under the repository,
 * so an external SDK resolves from node_modules as it would from the runtime.
 */
export async function bundle(variant: BundledVariant, options: BundleOptions, outDir = '.bench-out') {
  const file = join(ROOT, outDir, `${variant}-${options.sdk}-${options.client}`, 'index.js');
  await build({
    entryPoints: [join(ROOT, ENTRIES[variant][options.client])],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: PAYMENTS_BUNDLING.minify,
    sourcemap: true,
    sourcesContent: PAYMENTS_BUNDLING.sourcesContent,
    mainFields: PAYMENTS_BUNDLING.mainFields,
    external: [...PAYMENTS_BUNDLING.externalModules, ...(options.sdk === 'external' ? RUNTIME_PROVIDED_MODULES : [])],
    logLevel: 'error',
  });
  return { variant, ...options, file, bytes: statSync(file).size, sourceMapBytes: statSync(`${file}.map`).size };
}
export type Bundle = Awaited<ReturnType<typeof bundle>>;

// Runs in a fresh process: times the require of the bundle, then its first invocation, a POST without
// an Idempotency-Key (a 400 that sends no DynamoDB request), where a lazy handler pays what it saved.
const PROBE = `const hr=()=>Number(process.hrtime.bigint())/1e6;const t0=hr();const m=require(process.argv[1]);const t1=hr();
Promise.resolve(m.handler(JSON.parse(process.argv[2]),{getRemainingTimeInMillis:()=>10000})).then((r)=>{if(r.statusCode!==400)throw new Error('expected a 400, got '+r.statusCode);process.stdout.write(JSON.stringify([t1-t0,hr()-t0]))})`;
const FIRST_EVENT = JSON.stringify(postPaymentEvent(undefined));

function probeOnce(file: string, sourceMaps: boolean): [initMs: number, firstRequestMs: number] {
  const env = { ...process.env, AWS_REGION: 'us-east-1', TABLE_NAME: 'cold-start', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '' };
  // The handler writes its own log lines to stdout first; the probe's figures come last.
  const stdout = execFileSync(process.execPath, ['-e', PROBE, file, FIRST_EVENT], { env, encoding: 'utf8' });
  return JSON.parse(stdout.slice(stdout.lastIndexOf('\n') + 1));
}

/** Runs made whatever the deadline says. */
const MIN_RUNS = 6;

/**
 * Every bundle with and without source maps, `runs` fresh processes each (fewer, at least
 * MIN_RUNS, once past the deadline); the series alternate within each run so drift on a shared
 * machine hits all alike, and ratios hold up better than absolutes.
 */
export function measureColdStarts(bundles: Bundle[], plan: { runs: number; deadlineEpochMs: number }) {
  const series = bundles.flatMap((b) => [false, true].map((sourceMaps) => ({ b, sourceMaps, init: [] as number[], first: [] as number[] })));
  let runs = 0;
  while (runs < plan.runs && (runs < MIN_RUNS || Date.now() < plan.deadlineEpochMs)) {
    runs++;
    for (const s of series) {
      const [initMs, firstMs] = probeOnce(s.b.file, s.sourceMaps);
      s.init.push(initMs);
      s.first.push(firstMs);
    }
  }
  return series.map(({ b, sourceMaps, init, first }) => ({
    variant: b.variant,
    sdk: b.sdk,
    client: b.client,
    sourceMaps,
    bytes: b.bytes,
    sourceMapBytes: b.sourceMapBytes,
    /** `require` of the bundle in a fresh Node process (its imports and module-level setup), in ms. */
    initMedianMs: round(percentile(init, 50)),
    initP90Ms: round(percentile(init, 90)),
    initAndFirstRequestMedianMs: round(percentile(first, 50)),
    runs,
  }));
}
export type ColdStart = ReturnType<typeof measureColdStarts>[number];
