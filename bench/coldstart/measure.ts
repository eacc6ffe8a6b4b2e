import { execFileSync } from 'node:child_process';
import { median, percentile, round } from '../load/stats';
import type { Bundle } from './bundle';

export interface ColdStart {
  name: Bundle['name'];
  bytes: number;
  sourceMapBytes: number;
  /** `require` of the bundle in a fresh Node process (its SDK imports and module-level setup), in ms. */
  initMedianMs: number;
  initP90Ms: number;
  /** The same with `--enable-source-maps`, as the stack sets NODE_OPTIONS (fewer runs). */
  initWithSourceMapsMedianMs: number;
  runs: number;
  sourceMapRuns: number;
}

// Runs in the child: times the require of the bundle and nothing else.
const PROBE = `const t=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;

function initOnceMs(file: string, sourceMaps: boolean): number {
  const env = {
    ...process.env,
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'cold-start',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '',
  };
  return Number(execFileSync(process.execPath, ['-e', PROBE, file], { env, encoding: 'utf8' }));
}

/**
 * Module-init time of each bundle in `runs` fresh processes, the bundles alternating so drift
 * hits all alike; a third as many runs with source maps on.
 */
export function measureColdStarts(bundles: Bundle[], runs: number): ColdStart[] {
  const samples = new Map(bundles.map((b) => [b.name, { plain: [] as number[], maps: [] as number[] }]));
  const sourceMapRuns = Math.max(1, Math.round(runs / 3));
  for (let i = 0; i < runs; i++) {
    for (const b of bundles) {
      samples.get(b.name)!.plain.push(initOnceMs(b.file, false));
      if (i < sourceMapRuns) samples.get(b.name)!.maps.push(initOnceMs(b.file, true));
    }
  }
  return bundles.map((b) => {
    const { plain, maps } = samples.get(b.name)!;
    return {
      name: b.name,
      bytes: b.bytes,
      sourceMapBytes: b.sourceMapBytes,
      initMedianMs: round(median(plain)),
      initP90Ms: round(percentile(plain, 90)),
      initWithSourceMapsMedianMs: round(median(maps)),
      runs,
      sourceMapRuns,
    };
  });
}
