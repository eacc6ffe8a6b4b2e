/**
 * How the payments function is bundled, defined once: the CDK construct spreads it into
 * NodejsFunction's `bundling` (the field names are CDK's `BundlingOptions`), and the benchmark
 * builds its cold-start bundles from it (bench/coldstart/bundle.ts), so what is measured is what
 * ships. Nothing in the function imports this file.
 */
export interface FunctionBundling {
  minify: boolean;
  sourceMap: boolean;
  sourcesContent: boolean;
  /** Left out of the bundle, resolved from the runtime at run time. */
  externalModules: string[];
  /** Which package.json entry esbuild takes; `module` first picks the ES builds, which tree-shake. */
  mainFields: string[];
}

/** What the Node.js runtime ships (AWS SDK v3 and the @smithy packages it is built on). */
export const RUNTIME_PROVIDED_MODULES = ['@aws-sdk/*', '@smithy/*'];

/**
 * The SDK is bundled and tree-shaken rather than taken from the runtime: loading one file is
 * faster than resolving and loading the runtime's hundreds of SDK files, and the SDK version is
 * the lockfile's rather than whatever the runtime carries. No source map: `--enable-source-maps`
 * parses it on every cold start (`npm run bench`, "Cold start" has the figures).
 */
/**
 * What only the Stripe processor loads (on first use, never at init). Bundled, they still add
 * 330 KB for V8 to read at every cold start (init 124 -> 163 ms median, 15 fresh processes,
 * this machine), so a stack without Stripe leaves them out: nothing can reach them there, since
 * only the stack sets PAYMENT_PROCESSOR.
 */
export const STRIPE_ONLY_MODULES = ['stripe', '@aws-sdk/client-secrets-manager'];

export const PAYMENTS_BUNDLING: FunctionBundling = {
  minify: true,
  sourceMap: false,
  sourcesContent: false,
  externalModules: [...STRIPE_ONLY_MODULES],
  mainFields: ['module', 'main'],
};

/** The same, for a stack that charges through Stripe: everything in the one file. */
export const STRIPE_PAYMENTS_BUNDLING: FunctionBundling = { ...PAYMENTS_BUNDLING, externalModules: [] };

/** The function's NODE_OPTIONS: none (see above; stack traces point into the minified bundle). */
export const PAYMENTS_NODE_OPTIONS = '';
