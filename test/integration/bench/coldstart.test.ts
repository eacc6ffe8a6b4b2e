import { BUNDLE_OPTIONS, bundle, measureColdStarts } from '../../../bench/coldstart/bundle';

// Timing-heavy (8 bundles, 16 fresh processes): opt-in with BENCH_TESTS=1 (`npm test --workspace bench`).
const benchTest = process.env.BENCH_TESTS === '1' ? test : test.skip;

// The cold-start table compares like with like only if every bundle loads and answers.
describe('cold-start bundles', () => {
  benchTest('ours and Powertools, with every option, load in a fresh process and answer a keyless POST with a 400', async () => {
    const bundles = [];
    for (const options of BUNDLE_OPTIONS) for (const variant of ['ours', 'powertools'] as const) bundles.push(await bundle(variant, options, '.bench-out/test'));

    const rows = measureColdStarts(bundles, { runs: 1, deadlineEpochMs: 0 });

    expect(rows).toHaveLength(2 * BUNDLE_OPTIONS.length * 2);
    for (const row of rows) expect(row.initAndFirstRequestMedianMs).toBeGreaterThan(row.initMedianMs);
    // Bundling the SDK is what makes a bundle carry it: external ones stay small.
    const size = (sdk: 'external' | 'bundled') => Math.min(...rows.filter((r) => r.sdk === sdk).map((r) => r.bytes));
    expect(size('bundled')).toBeGreaterThan(3 * size('external'));
  });
});
