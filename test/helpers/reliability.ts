import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm test` runs the reliability suites scaled down; `npm run test:reliability` sets
 * RELIABILITY_FULL=1 for the full figures and has each suite write them, with whether its tests
 * passed, to reliability/results/ (see `suiteResults`).
 */
export const FULL_RUN = process.env.RELIABILITY_FULL === '1';

/** The small figure in `npm test`, the large one in the full run. */
export const scaled = <T>(small: T, full: T): T => (FULL_RUN ? full : small);

/** fast-check runs with a fixed seed, so a failure in CI replays the same inputs on any machine. */
export const FUZZ_SEED = 20_261_128;

const RESULTS_DIR = join(__dirname, '..', '..', 'reliability', 'results');

/** One checked test of a suite, as its results file records it. */
export interface TestOutcome {
  test: string;
  passed: boolean;
  /** The first lines of the failure, when it failed. */
  error?: string;
}

export interface SuiteResults {
  /**
   * Adds figures to the suite's results file; later calls merge into earlier ones. Values are
   * serialized when the file is written, so an array or object filled in as tests run can be added
   * up front.
   */
  add(figures: Record<string, unknown>): void;
  /**
   * Wraps a test's body so its outcome goes into the file: passed once the body returned (every
   * assertion in it held), failed with the first lines of what it threw, or not finished (timed out).
   */
  checked<A extends unknown[]>(body: (...args: A) => unknown): (...args: A) => Promise<void>;
}

const RESERVED_NAMES = new Set(['suite', 'passed', 'recordedAt', 'node', 'tests']);

/**
 * A suite's results file, `reliability/results/<suite>.json`, written by an `afterAll` once every
 * test has run (full run only; one file per suite, so parallel workers never share one). It holds
 * the figures, each test with its outcome, and `passed`: true only when at least one test ran and
 * every test passed. Every test of the suite wraps its body in `checked`. A failing run writes its
 * file too, with `passed: false`: no figure is read without knowing whether its run held.
 */
export function suiteResults(suite: string): SuiteResults {
  const figures: Record<string, unknown> = {};
  const tests: TestOutcome[] = [];
  /** The running test's outcome; settled by its body, or closed unfinished by afterEach (a timeout). */
  let running: { outcome: TestOutcome; open: boolean } | undefined;
  // Every test of such a suite goes through `checked`: one whose body never ran (a hook before it
  // failed) is recorded as failed too, not left out.
  afterEach(() => {
    if (running) running.open = false;
    else tests.push({ test: expect.getState().currentTestName ?? '', passed: false, error: 'did not run: a hook before it failed' });
    running = undefined;
  });
  afterAll(() => {
    if (!FULL_RUN) return;
    const passed = tests.length > 0 && tests.every((t) => t.passed);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const document = { suite, passed, recordedAt: new Date().toISOString(), node: process.version, tests, ...figures };
    writeFileSync(join(RESULTS_DIR, `${suite}.json`), `${JSON.stringify(document, null, 2)}\n`);
  });
  return {
    add: (more) => {
      const reserved = Object.keys(more).filter((name) => RESERVED_NAMES.has(name));
      if (reserved.length > 0) throw new Error(`results of ${suite}: ${reserved.join(', ')} is the file's own`);
      Object.assign(figures, more);
    },
    // A rest parameter keeps the wrapper's length 0: jest must not take it for a `done` callback.
    checked:
      (body) =>
      async (...args) => {
        const outcome: TestOutcome = { test: expect.getState().currentTestName ?? '', passed: false, error: 'did not finish in time' };
        const current = { outcome, open: true };
        running = current;
        tests.push(outcome);
        try {
          await body(...args);
        } catch (error) {
          if (current.open) outcome.error = firstLines(error);
          throw error;
        }
        if (!current.open) return; // it passed only after jest had failed it for its timeout
        outcome.passed = true;
        delete outcome.error;
      },
  };
}

function firstLines(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  // jest's matcher messages carry terminal colours; the file keeps plain text.
  const lines = text.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.slice(0, 3).join(' ').slice(0, 300); // a matcher's name, then what it expected and got
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
