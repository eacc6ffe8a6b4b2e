import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { PAYMENTS_BUNDLING, PAYMENTS_NODE_OPTIONS, RUNTIME_PROVIDED_MODULES } from '../../lambda/shared/bundling';

const ROOT = resolve(__dirname, '..', '..');

/** The options measured, each applied alike to ours and to Powertools' equivalent entry. */
export interface BundleOptions {
  /** `external`: left to the runtime, as the stack does today; `bundled`: tree-shaken into the bundle. */
  sdk: 'external' | 'bundled';
  /** `eager`: config, client and handler built at module load; `lazy`: on the first invocation. */
  client: 'eager' | 'lazy';
}

export type BundledVariant = 'ours' | 'powertools';

export interface Bundle extends BundleOptions {
  variant: BundledVariant;
  file: string;
  bytes: number;
  sourceMapBytes: number;
}

const ENTRIES: Record<BundledVariant, Record<BundleOptions['client'], string>> = {
  ours: { eager: 'lambda/payments/handler.ts', lazy: 'bench/coldstart/lazy-entry.ts' },
  powertools: { eager: 'bench/variants/powertools-entry.ts', lazy: 'bench/coldstart/powertools-lazy-entry.ts' },
};

/** With source maps on or off at run time (NODE_OPTIONS), which needs no other bundle. */
export type RunOptions = BundleOptions & { sourceMaps: boolean };

/** What lambda/shared/bundling.ts ships (the entry, lambda/payments/handler.ts, is eager). */
export const SHIPPED_OPTIONS: RunOptions = {
  sdk: PAYMENTS_BUNDLING.externalModules.some((name) => RUNTIME_PROVIDED_MODULES.includes(name)) ? 'external' : 'bundled',
  client: 'eager',
  sourceMaps: PAYMENTS_NODE_OPTIONS.includes('--enable-source-maps'),
};

/** The stack before issue 10: the runtime's SDK and NODE_OPTIONS=--enable-source-maps. */
export const PREVIOUS_OPTIONS: RunOptions = { sdk: 'external', client: 'eager', sourceMaps: true };

export const BUNDLE_OPTIONS: BundleOptions[] = (['external', 'bundled'] as const).flatMap((sdk) =>
  (['eager', 'lazy'] as const).map((client) => ({ sdk, client })),
);

/**
 * Bundles an entry as the CDK stack's NodejsFunction does, from the same options
 * (lambda/shared/bundling.ts): esbuild, CommonJS for the nodejs22.x runtime. Always with an
 * external source map, so the same bundle is measured with and without `--enable-source-maps`.
 * The output sits under the repository, so an external SDK resolves from node_modules as it
 * would from the runtime.
 */
export async function bundle(variant: BundledVariant, options: BundleOptions, outDir: string): Promise<Bundle> {
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
