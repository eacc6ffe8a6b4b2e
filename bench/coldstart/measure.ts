import { execFileSync } from 'node:child_process';
import { postPaymentEvent } from '../load/events';
import { median, percentile, round } from '../load/stats';
import type { Bundle, BundleOptions, BundledVariant } from './bundle';

export interface ColdStart extends BundleOptions {
  variant: BundledVariant;
  /** NODE_OPTIONS=--enable-source-maps, as the stack sets it today. */
  sourceMaps: boolean;
  bytes: number;
  sourceMapBytes: number;
  /** `require` of the bundle in a fresh Node process (its SDK imports and module-level setup), in ms. */
  initMedianMs: number;
  initP90Ms: number;
  /**
   * Module init plus the first invocation, a POST without an Idempotency-Key (a 400 that sends no
   * DynamoDB request): what a lazy handler moves out of init shows up here.
   */
  initAndFirstRequestMedianMs: number;
  runs: number;
}

// Runs in the child: times the require of the bundle, then its first invocation.
const PROBE = `const hr=()=>Number(process.hrtime.bigint())/1e6;const t0=hr();const m=require(process.argv[1]);const t1=hr();
Promise.resolve(m.handler(JSON.parse(process.argv[2]),{getRemainingTimeInMillis:()=>10000})).then((r)=>{if(r.statusCode!==400)throw new Error('expected a 400, got '+r.statusCode);process.stdout.write(JSON.stringify([t1-t0,hr()-t0]))})`;
const FIRST_EVENT = JSON.stringify(postPaymentEvent(undefined));

function probeOnce(file: string, sourceMaps: boolean): [initMs: number, firstRequestMs: number] {
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'cold-start',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '',
  };
  // The handler writes its own log lines to stdout first; the probe's figures come last.
  const stdout = execFileSync(process.execPath, ['-e', PROBE, file, FIRST_EVENT], { env, encoding: 'utf8' });
  return JSON.parse(stdout.slice(stdout.lastIndexOf('\n') + 1));
}

/** Runs made whatever the deadline says (bundles alternate, so ratios hold up better than absolutes). */
const MIN_RUNS = 6;

/**
 * Every bundle with and without source maps, `runs` fresh processes each (fewer, at least
 * MIN_RUNS, once past the deadline); the (bundle, source maps) pairs alternate within each run so
 * drift on a shared machine hits all alike.
 */
export function measureColdStarts(bundles: Bundle[], plan: { runs: number; deadlineEpochMs: number }): ColdStart[] {
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
    initMedianMs: round(median(init)),
    initP90Ms: round(percentile(init, 90)),
    initAndFirstRequestMedianMs: round(median(first)),
    runs,
  }));
}
