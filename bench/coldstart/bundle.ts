import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

export interface Bundle {
  name: keyof typeof BUNDLE_ENTRIES;
  entry: string;
  file: string;
  bytes: number;
  sourceMapBytes: number;
}

const ROOT = resolve(__dirname, '..', '..');

export const BUNDLE_ENTRIES = {
  ours: join(ROOT, 'lambda', 'payments', 'handler.ts'),
  powertools: join(ROOT, 'bench', 'variants', 'powertools-entry.ts'),
  /** The AWS SDK alone: what neither handler can shave off. */
  'sdk-only': join(ROOT, 'bench', 'coldstart', 'sdk-entry.ts'),
} as const;

/**
 * Bundles a handler as the CDK stack's NodejsFunction does (infra/constructs/payments-function.ts):
 * esbuild, CommonJS for the nodejs22.x runtime, minified, an external source map without
 * sources, and the AWS SDK left out because the runtime ships it. The output sits under the
 * repository, so the SDK resolves from node_modules as it would from the runtime.
 */
export async function bundle(name: Bundle['name'], outDir: string): Promise<Bundle> {
  const file = join(ROOT, outDir, name, 'index.js');
  await build({
    entryPoints: [BUNDLE_ENTRIES[name]],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    external: ['@aws-sdk/*', '@smithy/*'],
    logLevel: 'error',
  });
  return { name, entry: BUNDLE_ENTRIES[name], file, bytes: statSync(file).size, sourceMapBytes: statSync(`${file}.map`).size };
}
