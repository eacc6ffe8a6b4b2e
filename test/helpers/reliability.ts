import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm test` runs the reliability suites scaled down; `npm run test:reliability` sets
 * RELIABILITY_FULL=1 for the full figures and has each suite write them to reliability/results/.
 */
export const FULL_RUN = process.env.RELIABILITY_FULL === '1';

/** The small figure in `npm test`, the large one in the full run. */
export const scaled = <T>(small: T, full: T): T => (FULL_RUN ? full : small);

/** fast-check runs with a fixed seed, so a failure in CI replays the same inputs on any machine. */
export const FUZZ_SEED = 20_261_128;

const RESULTS_DIR = join(__dirname, '..', '..', 'reliability', 'results');

/** Writes a suite's figures (full run only), one file per suite so parallel workers never share one. */
export function recordFigures(suite: string, figures: Record<string, unknown>): void {
  if (!FULL_RUN) return;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const document = { suite, recordedAt: new Date().toISOString(), node: process.version, ...figures };
  writeFileSync(join(RESULTS_DIR, `${suite}.json`), `${JSON.stringify(document, null, 2)}\n`);
}

/** Counts of each value, keys sorted, e.g. a status histogram. */
export function histogram(values: (string | number)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** The p-th percentile (0..100) of a list of numbers, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Runs `task` over `items` with at most `concurrency` at a time; results keep the items' order. */
export async function mapConcurrently<T, R>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Mutes console.error and console.warn in each test of the file: the function logs every 5xx and
 * failed release, which these suites provoke on purpose by the hundred.
 */
export function muteExpectedLogs(): void {
  beforeEach(() => {
    jest.spyOn(console, 'error').mockImplementation(() => {});
    jest.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(() => jest.restoreAllMocks());
}

/** Polls `condition` every few ms until it holds, or fails after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
