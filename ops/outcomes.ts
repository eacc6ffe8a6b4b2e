import { InvocationOutcome } from '../lambda/observability/invocation-log';
import { type InvocationLine, LogMessage, type Phase, PHASES, type ReadLine, readTelemetryLine, type RecoveryAttemptLine, type RecoverySweepLine, SweepOutcome } from '../lambda/observability/log-line';
import { RecoveryOutcome } from '../lambda/observability/recovery-log';
import { isTerminalLine, jsonIn, logLines, type Stdin } from './log-input';
import { outcomesText } from './outcomes-text';
import type { CommandResult } from './result';

/** What `ops outcomes` reports: the same object is the --json output. */
export interface OutcomeSummary {
  /** What the input held, line by line: only the three telemetry lines are summarised. */
  lines: {
    read: number;
    invocations: number;
    recoveryAttempts: number;
    recoverySweeps: number;
    /** EMF documents: CloudWatch's metrics, already counted by the lines beside them. */
    metricDocuments: number;
    /** JSON that is none of ours (the Lambda platform's events, another line of the worker's). */
    otherJson: number;
    /** A line of ours by its message that does not have its shape (another version's?). */
    invalid: number;
    /** No JSON at all: START, END and REPORT lines, stack traces, blank lines, terminal lines. */
    notJson: number;
    /** Of those, local mode's terminal form: its JSON form is what to summarise. */
    terminal: number;
  };
  /** The earliest and latest timestamp of the telemetry lines. */
  from: string | null;
  to: string | null;
  /** Invocations per service (the payments function, the webhooks one): never mixed in one figure. */
  services: ServiceSummary[];
  recovery: RecoveryReport;
  /** Keys recovery gave up on, those no later line shows completed first. */
  needsAttention: FlaggedKey[];
}

export interface Count<K> {
  value: K;
  count: number;
}

export interface Percentiles {
  /** `total` is the invocation's whole duration. */
  phase: 'total' | Phase;
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface ServiceSummary {
  service: string;
  invocations: number;
  coldStarts: number;
  /** Most frequent first. */
  outcomes: Count<InvocationLine['outcome']>[];
  /** By status; null for an invocation that answered none (it threw). */
  statuses: Count<number | null>[];
  durationsMs: Percentiles[];
}

export interface RecoveryReport {
  sweeps: number;
  failedSweeps: number;
  /** Attempt lines by the worker's verdict. */
  attempts: Count<RecoveryAttemptLine['outcome']>[];
  /** The latest sweep's gauge: how many records needed attention then (what the alarm watches). */
  standing: { needsAttention: number; at: string } | null;
}

export interface FlaggedKey {
  tenant: string | null;
  idempotencyKey: string | null;
  executionId: string | null;
  /** The latest attempt that gave up on it. */
  flaggedAt: string;
  /** A line after that shows it completed (a client retry, an operator's re-drive), if any. */
  completedAt: string | null;
}

/** Outcomes after which the key's record is COMPLETED. */
const COMPLETED = new Set<string>([InvocationOutcome.Executed, InvocationOutcome.Takeover, InvocationOutcome.Replayed, RecoveryOutcome.Recovered]);

const SKIPPED = { metrics: 'metricDocuments', other: 'otherJson', invalid: 'invalid' } as const satisfies Record<Exclude<ReadLine['kind'], 'line'>, keyof OutcomeSummary['lines']>;

interface ServiceTally {
  invocations: number;
  coldStarts: number;
  outcomes: Map<InvocationLine['outcome'], number>;
  statuses: Map<number | null, number>;
  durationsMs: Map<'total' | Phase, number[]>;
}

/** Reads telemetry lines one at a time (any order: several log groups may be concatenated). */
export class OutcomeTally {
  private readonly lines: OutcomeSummary['lines'] = { read: 0, invocations: 0, recoveryAttempts: 0, recoverySweeps: 0, metricDocuments: 0, otherJson: 0, invalid: 0, notJson: 0, terminal: 0 };
  private from: string | null = null;
  private to: string | null = null;
  private readonly services = new Map<string, ServiceTally>();
  private readonly recovery = { sweeps: 0, failedSweeps: 0, attempts: new Map<RecoveryAttemptLine['outcome'], number>(), standing: null as RecoveryReport['standing'] };
  /** By tenant and key: the latest give-up, the latest completion (only for keys seen with both matters). */
  private readonly flagged = new Map<string, Omit<FlaggedKey, 'completedAt'>>();
  private readonly completed = new Map<string, string>();

  add(text: string): void {
    this.lines.read++;
    const value = jsonIn(text);
    if (value === undefined) {
      this.lines.notJson++;
      if (isTerminalLine(text)) this.lines.terminal++;
      return;
    }
    const read = readTelemetryLine(value);
    if (read.kind !== 'line') {
      this.lines[SKIPPED[read.kind]]++;
      return;
    }
    const { line } = read;
    if (this.from === null || line.timestamp < this.from) this.from = line.timestamp;
    if (this.to === null || line.timestamp > this.to) this.to = line.timestamp;
    if (line.message === LogMessage.Invocation) this.invocation(line);
    else if (line.message === LogMessage.RecoveryAttempt) this.attempt(line);
    else this.sweep(line);
  }

  private invocation(line: InvocationLine): void {
    this.lines.invocations++;
    const tally = this.serviceTally(line.service);
    tally.invocations++;
    if (line.coldStart) tally.coldStarts++;
    increment(tally.outcomes, line.outcome);
    increment(tally.statuses, line.status ?? null);
    push(tally.durationsMs, 'total', line.durationMs);
    for (const phase of PHASES) {
      const ms = line.phasesMs?.[phase];
      if (ms !== undefined) push(tally.durationsMs, phase, ms);
    }
    this.noteCompletion(line, line.outcome);
  }

  private attempt(line: RecoveryAttemptLine): void {
    this.lines.recoveryAttempts++;
    increment(this.recovery.attempts, line.outcome);
    this.noteCompletion(line, line.outcome);
    if (line.outcome !== RecoveryOutcome.NeedsAttention) return;
    const id = keyOf(line);
    const known = this.flagged.get(id);
    if (known && known.flaggedAt >= line.timestamp) return;
    this.flagged.set(id, { tenant: line.tenant ?? null, idempotencyKey: line.idempotencyKey ?? null, executionId: line.executionId ?? null, flaggedAt: line.timestamp });
  }

  private sweep(line: RecoverySweepLine): void {
    this.lines.recoverySweeps++;
    this.recovery.sweeps++;
    if (line.outcome === SweepOutcome.Failed) this.recovery.failedSweeps++;
    const standing = this.recovery.standing;
    if (line.needsAttentionStanding !== undefined && (standing === null || line.timestamp >= standing.at)) {
      this.recovery.standing = { needsAttention: line.needsAttentionStanding, at: line.timestamp };
    }
  }

  private noteCompletion(line: InvocationLine | RecoveryAttemptLine, outcome: string): void {
    if (!COMPLETED.has(outcome) || line.idempotencyKey === undefined) return;
    const id = keyOf(line);
    if ((this.completed.get(id) ?? '') < line.timestamp) this.completed.set(id, line.timestamp);
  }

  private serviceTally(service: string): ServiceTally {
    let tally = this.services.get(service);
    if (!tally) this.services.set(service, (tally = { invocations: 0, coldStarts: 0, outcomes: new Map(), statuses: new Map(), durationsMs: new Map() }));
    return tally;
  }

  summary(): OutcomeSummary {
    const services = [...this.services].map(([service, t]): ServiceSummary => ({
      service,
      invocations: t.invocations,
      coldStarts: t.coldStarts,
      outcomes: byCount(t.outcomes),
      statuses: [...t.statuses].map(([value, count]) => ({ value, count })).sort((a, b) => (a.value ?? Infinity) - (b.value ?? Infinity)),
      durationsMs: (['total', ...PHASES] as const).flatMap((phase) => {
        const values = t.durationsMs.get(phase);
        return values ? [percentiles(phase, values)] : [];
      }),
    }));
    const needsAttention = [...this.flagged].map(([id, flag]) => {
      const completedAt = this.completed.get(id);
      return { ...flag, completedAt: completedAt !== undefined && completedAt > flag.flaggedAt ? completedAt : null };
    });
    // Those still waiting first, oldest first: the order to work through them.
    needsAttention.sort((a, b) => +(a.completedAt !== null) - +(b.completedAt !== null) || a.flaggedAt.localeCompare(b.flaggedAt));
    return {
      lines: { ...this.lines },
      from: this.from,
      to: this.to,
      services: services.sort((a, b) => b.invocations - a.invocations),
      recovery: { sweeps: this.recovery.sweeps, failedSweeps: this.recovery.failedSweeps, attempts: byCount(this.recovery.attempts), standing: this.recovery.standing },
      needsAttention,
    };
  }
}

/** `ops outcomes [file ...]`: the summary of the log lines in the files, or on standard input. */
export async function outcomesCommand(files: string[], stdin: Stdin | undefined): Promise<CommandResult> {
  const tally = new OutcomeTally();
  for await (const line of logLines(files, stdin)) tally.add(line);
  const summary = tally.summary();
  return { json: summary, text: outcomesText(summary) };
}

/**
 * Nearest rank: the smallest value with at least p% of the values at or below it, always one that
 * was measured (CloudWatch's percentiles interpolate, so its figures may differ slightly).
 */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function percentiles(phase: Percentiles['phase'], values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { phase, count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]! };
}

const keyOf = (line: { tenant?: string; idempotencyKey?: string }) => JSON.stringify([line.tenant ?? null, line.idempotencyKey ?? null]);
const increment = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
const push = <K>(map: Map<K, number[]>, key: K, value: number) => (map.get(key) ?? map.set(key, []).get(key)!).push(value);
const byCount = <K>(map: Map<K, number>): Count<K>[] => [...map].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count);
