import type { RecoverySummary } from '../recovery/worker';
import { compact, type InvocationSummary, invocationLine, isoTimestamp } from './invocation-log';
import { LogLevel, LogMessage, SweepOutcome } from './line-kinds';
import type { RecoveryAttemptLine, RecoverySweepLine } from './log-line';
import { count, Dimension, emfDocument, type EmfDocument, MetricName, round } from './metrics';

/** What became of one record a recovery sweep tried (the worker's result, in log spelling). */
export const RecoveryOutcome = {
  Recovered: 'recovered',
  /** Deferred with backoff: tried again by a later sweep. */
  Failed: 'failed',
  /** Recovery gave up before the processor's idempotency window ends: an operator must look. */
  NeedsAttention: 'needs_attention',
  /** Someone else held or finished it, or it is still in backoff. */
  Skipped: 'skipped',
} as const;
export type RecoveryOutcome = (typeof RecoveryOutcome)[keyof typeof RecoveryOutcome];

const FROM_WORKER: Record<string, RecoveryOutcome> = {
  recovered: RecoveryOutcome.Recovered,
  failed: RecoveryOutcome.Failed,
  needsAttention: RecoveryOutcome.NeedsAttention,
  needs_attention: RecoveryOutcome.NeedsAttention,
  skipped: RecoveryOutcome.Skipped,
};

/**
 * The outcome of a line the recovery worker logs after an attempt: its `outcome` field, or the
 * `recovery <outcome>` message it writes today.
 */
export function recoveryOutcomeOf(line: Record<string, unknown>): RecoveryOutcome | undefined {
  const raw = typeof line.outcome === 'string' ? line.outcome : /^recovery (\w+)$/.exec(typeof line.message === 'string' ? line.message : '')?.[1];
  return raw === undefined ? undefined : FROM_WORKER[raw];
}

const LEVEL: Record<RecoveryOutcome, LogLevel> = { recovered: LogLevel.Info, skipped: LogLevel.Info, failed: LogLevel.Warn, needs_attention: LogLevel.Error };

/**
 * One line per attempt: the worker's verdict (`outcome`) with what the re-drive did through the
 * idempotency layer (`idempotencyOutcome`: a takeover, a release...), its phases and requests.
 */
export function recoveryAttemptLine(input: {
  outcome: RecoveryOutcome;
  /** What the worker logged: tenant, key, execution id (and the status, when it says). */
  worker: Record<string, unknown>;
  /** The re-drive, when it ran through `wrapRedrive`. */
  redrive?: InvocationSummary;
  service: string;
  requestId: string;
  timestampMs: number;
}): RecoveryAttemptLine {
  const { worker, redrive } = input;
  // The re-drive's invocation fields, but for what the attempt says itself.
  const { message: _message, outcome: _outcome, coldStart: _coldStart, ...base } = redrive ? invocationLine(redrive) : ({} as Partial<ReturnType<typeof invocationLine>>);
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return compact({
    ...base,
    timestamp: isoTimestamp(input.timestampMs),
    level: LEVEL[input.outcome],
    message: LogMessage.RecoveryAttempt,
    service: input.service,
    requestId: input.requestId,
    tenant: base.tenant ?? text(worker.tenant),
    idempotencyKey: base.idempotencyKey ?? text(worker.idempotencyKey),
    executionId: base.executionId ?? text(worker.executionId),
    outcome: input.outcome,
    idempotencyOutcome: redrive?.recorder.idempotency?.outcome,
    status: base.status ?? (typeof worker.status === 'number' ? worker.status : undefined),
  });
}

export interface SweepReport {
  service: string;
  requestId: string;
  coldStart: boolean;
  timestampMs: number;
  durationMs: number;
  dynamoDbRequests: number;
  /** Absent when the sweep threw. */
  summary?: RecoverySummary;
  errorName?: string;
}

export function recoverySweepLine(report: SweepReport): RecoverySweepLine {
  const { summary } = report;
  const level = !summary || summary.needsAttention > 0 ? 'error' : summary.failed > 0 ? 'warn' : 'info';
  return compact({
    timestamp: isoTimestamp(report.timestampMs),
    level,
    message: LogMessage.RecoverySweep,
    service: report.service,
    requestId: report.requestId,
    coldStart: report.coldStart,
    outcome: summary ? SweepOutcome.Swept : SweepOutcome.Failed,
    ...summary,
    errorName: report.errorName,
    durationMs: round(report.durationMs),
    dynamoDbRequests: report.dynamoDbRequests,
  });
}

/**
 * Every sweep publishes all its counts, zeros included, so the alarms and graphs see each minute.
 * The standing gauge only when it was measured: a 0 for a sweep that could not count would clear
 * the NeedsAttention alarm while records still need attention.
 */
export function recoverySweepMetrics(report: SweepReport, namespace: string): EmfDocument {
  const s = report.summary;
  const standing = s?.needsAttentionStanding;
  return emfDocument({
    namespace,
    timestampMs: report.timestampMs,
    dimensions: { [Dimension.Service]: report.service },
    groups: [
      {
        dimensionSets: [[Dimension.Service]],
        metrics: [
          count(MetricName.RecoveryDue, s?.due ?? 0),
          count(MetricName.Recovered, s?.recovered ?? 0),
          count(MetricName.RecoveryFailed, s?.failed ?? 0),
          count(MetricName.NeedsAttention, s?.needsAttention ?? 0),
          count(MetricName.RecoverySkipped, s?.skipped ?? 0),
          count(MetricName.RecoverySweepErrors, s ? 0 : 1),
          ...(standing === undefined ? [] : [count(MetricName.NeedsAttentionStanding, standing)]),
        ],
      },
    ],
    properties: { requestId: report.requestId },
  });
}
