// The shape of the telemetry log lines, defined once: the writers (invocation-log.ts,
// recovery-log.ts) return these types, and readers (`npm run ops -- outcomes`) parse with these
// schemas. The writers import the types only, so the functions' bundles never load this module
// (nor does a runtime import cycle form: the names they need at runtime are in line-kinds.ts).
import * as z from 'zod/mini';
import { IdempotencyOutcome, type RecordSource } from '../idempotency/hooks';
import type { RecoverySummary } from '../recovery/worker';
import { InvocationOutcome } from './invocation-log';
import { LogLevel, LogMessage, SweepOutcome } from './line-kinds';
import { RecoveryOutcome } from './recovery-log';
import { ProcessorErrorKind } from './scope';

export { LogLevel, LogMessage, SweepOutcome } from './line-kinds';

const opt = z.optional;
const text = z.string();
const count = z.number();
const ms = z.number();
const flag = z.boolean();

/** Each phase's duration in ms, present when the phase ran. */
const PhasesMs = z.object({ claim: opt(ms), handler: opt(ms), processor: opt(ms), completion: opt(ms), release: opt(ms) });
export type Phase = keyof z.infer<typeof PhasesMs>;
/** The phases in the order an invocation runs them. */
export const PHASES = Object.keys(PhasesMs.shape) as Phase[];

/** The one line an invocation of the payments (or webhooks) function writes. */
export const InvocationLine = z.object({
  timestamp: text,
  level: z.enum(LogLevel),
  message: z.literal(LogMessage.Invocation),
  service: text,
  requestId: text,
  /** API Gateway's request id, which its access log carries too. */
  apiRequestId: opt(text),
  coldStart: flag,
  method: opt(text),
  /** The route template or the direct payload's operation, never the raw path. */
  route: opt(text),
  tenant: opt(text),
  idempotencyKey: opt(text),
  executionId: opt(text),
  outcome: z.enum(InvocationOutcome),
  source: opt(z.enum(['cache', 'store'] satisfies RecordSource[])),
  takeover: opt(flag),
  claimCount: opt(count),
  status: opt(z.number()),
  errorCode: opt(text),
  errorName: opt(text),
  releaseFailed: opt(flag),
  durationMs: ms,
  phasesMs: opt(PhasesMs),
  dynamoDbRequests: count,
  dynamoDbAttempts: opt(count),
  dynamoDbThrottles: opt(count),
  dynamoDbFailures: opt(count),
  processorCalls: opt(count),
  processorErrors: opt(count),
  processorErrorKind: opt(z.enum(ProcessorErrorKind)),
  processorDeclines: opt(count),
});
export type InvocationLine = z.infer<typeof InvocationLine>;

/**
 * One record a recovery sweep tried: the worker's verdict (`outcome`), with the re-drive's
 * invocation fields when it ran through the layer (`idempotencyOutcome`: a takeover, a release...).
 */
export const RecoveryAttemptLine = z.extend(z.partial(z.omit(InvocationLine, { message: true, outcome: true, coldStart: true })), {
  timestamp: text,
  level: z.enum(LogLevel),
  message: z.literal(LogMessage.RecoveryAttempt),
  service: text,
  requestId: text,
  outcome: z.enum(RecoveryOutcome),
  idempotencyOutcome: opt(z.enum(IdempotencyOutcome)),
});
export type RecoveryAttemptLine = z.infer<typeof RecoveryAttemptLine>;

/** The sweep's counts: every member of RecoverySummary, absent all together when the sweep threw. */
const SweepCounts = {
  due: opt(count),
  recovered: opt(count),
  failed: opt(count),
  needsAttention: opt(count),
  skipped: opt(count),
  needsAttentionStanding: opt(count),
} satisfies Record<keyof RecoverySummary, unknown>;

/** One line per recovery sweep. */
export const RecoverySweepLine = z.object({
  timestamp: text,
  level: z.enum(LogLevel),
  message: z.literal(LogMessage.RecoverySweep),
  service: text,
  requestId: text,
  coldStart: flag,
  outcome: z.enum(SweepOutcome),
  ...SweepCounts,
  errorName: opt(text),
  durationMs: ms,
  dynamoDbRequests: count,
});
export type RecoverySweepLine = z.infer<typeof RecoverySweepLine>;

export type TelemetryLine = InvocationLine | RecoveryAttemptLine | RecoverySweepLine;

const SCHEMA_OF: Record<LogMessage, z.ZodMiniType<TelemetryLine>> = {
  [LogMessage.Invocation]: InvocationLine,
  [LogMessage.RecoveryAttempt]: RecoveryAttemptLine,
  [LogMessage.RecoverySweep]: RecoverySweepLine,
};

/**
 * A parsed JSON value read as a telemetry line: `line`, one of the three above; `metrics`, an EMF
 * document (CloudWatch's, not a log line); `invalid`, a line of ours (by its message) that does not
 * match its shape; `other`, anything else (another line of the worker's, a platform event).
 */
export type ReadLine = { kind: 'line'; line: TelemetryLine } | { kind: 'metrics' | 'invalid' | 'other' };

export function readTelemetryLine(value: unknown): ReadLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'other' };
  const fields = value as Record<string, unknown>;
  if ('_aws' in fields) return { kind: 'metrics' };
  const schema = typeof fields.message === 'string' && Object.hasOwn(SCHEMA_OF, fields.message) ? SCHEMA_OF[fields.message as LogMessage] : undefined;
  if (!schema) return { kind: 'other' };
  const parsed = z.safeParse(schema, value);
  return parsed.success ? { kind: 'line', line: parsed.data } : { kind: 'invalid' };
}
