/**
 * How long this container's recent executions took, so a 409 can tell a duplicate when the first
 * request is likely done instead of the whole remaining lease (a double click should not wait out
 * a 10 s lock for a request that takes 200 ms).
 */
export class ExecutionDurations {
  private readonly samplesMs: number[] = [];
  private next = 0;

  /**
   * @param size how many recent executions count
   * @param defaultMs the guess before any execution finished in this container
   */
  constructor(
    private readonly size = 32,
    private readonly defaultMs = 1_000,
  ) {}

  record(durationMs: number): void {
    if (!Number.isFinite(durationMs) || durationMs < 0) return;
    this.samplesMs[this.next] = durationMs;
    this.next = (this.next + 1) % this.size;
  }

  /** The 90th percentile of the recent durations: most first requests are done by then. */
  typicalMs(): number {
    if (this.samplesMs.length === 0) return this.defaultMs;
    const sorted = [...this.samplesMs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!;
  }

  /**
   * When a request that has been running since `startedAtEpochMs` is likely done, in whole
   * seconds as `Retry-After` counts them (as ms): the typical duration less what has passed,
   * rounded up, at least 1 s, and never past the lease's lapse, rounded down (after the lapse a
   * retry takes the key over whether or not the holder finished).
   */
  retryAfterMs(startedAtEpochMs: number, leaseUntilEpochMs: number, nowMs: number): number {
    const expectedSeconds = Math.ceil((this.typicalMs() - (nowMs - startedAtEpochMs)) / 1000);
    const leaseSeconds = Math.floor((leaseUntilEpochMs - nowMs) / 1000);
    return Math.max(1, Math.min(expectedSeconds, leaseSeconds)) * 1000;
  }
}
