import { IdempotencyOutcome } from '../idempotency/hooks';
import { LogMessage } from './line-kinds';
import type { InvocationLine } from './log-line';
import { count, Dimension, emfDocument, type EmfDocument, type MetricGroup, MetricName, milliseconds, round } from './metrics';
import type { RequestInfo } from './request-info';
import type { InvocationRecorder } from './scope';

/** The layer's outcomes, and what an invocation it did not settle ended with. */
export const InvocationOutcome = {
  ...IdempotencyOutcome,
  /** Answered below 400 without the idempotency layer (a read). */
  Served: 'served',
  /** A 4xx before or without the layer: invalid key or body, unauthorized, not found. */
  Rejected: 'rejected',
  /** A 5xx or a thrown error the layer did not settle. */
  Failed: 'failed',
} as const;
export type InvocationOutcome = (typeof InvocationOutcome)[keyof typeof InvocationOutcome];

/** Everything the invocation's log line and EMF document are made from. */
export interface InvocationSummary {
  service: string;
  requestId: string;
  coldStart: boolean;
  /** When the invocation ended. */
  timestampMs: number;
  durationMs: number;
  request: RequestInfo;
  /** The status answered; absent when the handler threw or answered something without one. */
  statusCode?: number;
  /** The name of the error the handler threw (never its message). */
  errorName?: string;
  recorder: InvocationRecorder;
}

export function outcomeOf(summary: Pick<InvocationSummary, 'statusCode' | 'errorName' | 'recorder'>): InvocationOutcome {
  const settled = summary.recorder.idempotency?.outcome;
  if (settled) return settled;
  if (summary.errorName !== undefined || (summary.statusCode ?? 500) >= 500) return InvocationOutcome.Failed;
  return summary.statusCode! >= 400 ? InvocationOutcome.Rejected : InvocationOutcome.Served;
}

const WARN_OUTCOMES = new Set<string>([IdempotencyOutcome.LeaseLost, IdempotencyOutcome.StoreUnavailable, IdempotencyOutcome.StoreRejected]);

/**
 * The one log line of an invocation. Built from named fields only: no body, no header but the
 * validated Idempotency-Key, no error message, no processor input (the card source).
 */
export function invocationLine(summary: InvocationSummary): InvocationLine {
  const { request, recorder } = summary;
  const settled = recorder.idempotency;
  const outcome = outcomeOf(summary);
  const status = summary.statusCode ?? settled?.statusCode ?? (summary.errorName ? 500 : undefined);
  const level = (status ?? 500) >= 500 ? 'error' : WARN_OUTCOMES.has(outcome) ? 'warn' : 'info';
  const { latenciesMs, errors, errorKind, declines } = recorder.processor;
  const phasesMs = {
    claim: settled?.durationsMs.claim,
    handler: settled?.durationsMs.handler,
    processor: latenciesMs.length > 0 ? latenciesMs.reduce((a, b) => a + b, 0) : undefined,
    completion: settled?.durationsMs.completion,
    release: settled?.durationsMs.release,
  };
  // Absent fields stay undefined: JSON.stringify leaves them out, so a line carries only what happened.
  return {
    timestamp: isoTimestamp(summary.timestampMs),
    level,
    message: LogMessage.Invocation,
    service: summary.service,
    requestId: summary.requestId,
    apiRequestId: request.apiRequestId,
    coldStart: summary.coldStart,
    method: request.method,
    route: request.route,
    tenant: settled?.tenant ?? request.tenant,
    idempotencyKey: settled?.key ?? request.idempotencyKey,
    executionId: settled?.executionId,
    outcome,
    source: settled?.source,
    takeover: settled?.takeover || undefined,
    claimCount: settled?.claimCount,
    status,
    errorCode: settled?.errorCode,
    errorName: summary.errorName,
    releaseFailed: settled?.releaseFailed,
    durationMs: round(summary.durationMs),
    phasesMs: roundAll(phasesMs),
    dynamoDbRequests: recorder.dynamoDb.requests,
    // Only when they say something: SDK retries, throttling, failed calls.
    dynamoDbAttempts: recorder.dynamoDb.attempts > recorder.dynamoDb.requests ? recorder.dynamoDb.attempts : undefined,
    dynamoDbThrottles: recorder.dynamoDb.throttles || undefined,
    dynamoDbFailures: recorder.dynamoDb.failures || undefined,
    processorCalls: latenciesMs.length || undefined,
    processorErrors: errors || undefined,
    processorErrorKind: errorKind,
    processorDeclines: declines || undefined,
  };
}

/** The invocation's EMF document: a count and latency per outcome, cold start, the processor's figures. */
export function invocationMetrics(summary: InvocationSummary, namespace: string): EmfDocument {
  const { latenciesMs, errors, errorKind, declines } = summary.recorder.processor;
  const dimensions: Record<string, string> = { [Dimension.Service]: summary.service, [Dimension.Outcome]: outcomeOf(summary) };
  const groups: MetricGroup[] = [
    {
      dimensionSets: [[Dimension.Service], [Dimension.Service, Dimension.Outcome]],
      metrics: [count(MetricName.Requests), milliseconds(MetricName.Latency, summary.durationMs)],
    },
    {
      dimensionSets: [[Dimension.Service]],
      metrics: [
        ...(summary.coldStart ? [count(MetricName.ColdStart)] : []),
        ...(latenciesMs.length > 0 ? [milliseconds(MetricName.ProcessorLatency, latenciesMs)] : []),
        ...(declines > 0 ? [count(MetricName.ProcessorDeclines, declines)] : []),
      ],
    },
  ];
  if (errors > 0 && errorKind) {
    dimensions[Dimension.ErrorKind] = errorKind;
    groups.push({ dimensionSets: [[Dimension.Service], [Dimension.Service, Dimension.ErrorKind]], metrics: [count(MetricName.ProcessorErrors, errors)] });
  }
  // Which metrics a document carries depends on four facts only: its directives are built once per combination.
  const shape = `invocation\0${namespace}\0${+summary.coldStart}${+(latenciesMs.length > 0)}${+(declines > 0)}${+(errors > 0 && errorKind !== undefined)}`;
  return emfDocument({ namespace, timestampMs: summary.timestampMs, dimensions, groups, properties: { requestId: summary.requestId }, shape });
}

/** Drops absent fields, so a line carries only what happened (a line's members that may be absent are optional ones). */
export function compact<T extends object>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}

function roundAll<K extends string>(phases: Record<K, number | undefined>): Partial<Record<K, number>> | undefined {
  let rounded: Partial<Record<K, number>> | undefined;
  for (const name in phases) {
    const ms = phases[name];
    if (ms !== undefined) (rounded ??= {} as Partial<Record<K, number>>)[name] = round(ms);
  }
  return rounded;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** What `Date#toISOString` gives, without its first call's cost (over a millisecond of a cold start). */
export function isoTimestamp(epochMs: number): string {
  const d = new Date(epochMs);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return `${date}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}
