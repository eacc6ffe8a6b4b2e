/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export const median = (samples: readonly number[]) => percentile(samples, 50);

export function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Adds b's counts into a (by key). */
export function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  for (const [key, value] of Object.entries(b)) a[key] = (a[key] ?? 0) + value;
  return a;
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
