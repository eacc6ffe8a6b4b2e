import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { type IdempotencyHooks, monotonicMs } from '../idempotency/hooks';
import type { PaymentProcessor } from '../payments/processor';
import type { RecoverySummary } from '../recovery/worker';
import { instrumentDynamoDbClient } from './instrument-client';
import { instrumentProcessor } from './instrument-processor';
import { type InvocationSummary, invocationLine, invocationMetrics, isoTimestamp } from './invocation-log';
import { METRICS_NAMESPACE } from './metrics';
import { recoveryAttemptLine, recoveryOutcomeOf, recoverySweepLine, recoverySweepMetrics, type SweepReport } from './recovery-log';
import { describeRequest } from './request-info';
import { currentRecorder, type InvocationConcurrency, InvocationRecorder, runRecorded } from './scope';

export { METRICS_NAMESPACE, MetricName, Dimension, Service } from './metrics';
export { InvocationOutcome } from './invocation-log';
export { RecoveryOutcome } from './recovery-log';
export { terminalLog } from './pretty';
export { stdoutLine } from './stdout';

export interface TelemetryOptions {
  /** @default METRICS_NAMESPACE ('IdempotentPayments') */
  namespace?: string;
  /** The `Service` dimension and log field: `Service.Payments` or `Service.Recovery`. */
  service: string;
  /**
   * Where each line goes (a log line, then an EMF document). In Lambda: `stdoutLine`, straight
   * to stdout (`console.log` under the JSON log format wraps the line in a message string, where
   * CloudWatch no longer finds the EMF); in local mode: `terminalLog(process.stdout)`.
   */
  log: (line: string) => void;
  /** Wall clock for timestamps, epoch ms. @default Date.now */
  now?: () => number;
  /**
   * `sequential` where one invocation runs at a time per process (a Lambda function with the
   * default one-request-per-environment model): the cheapest way to know which invocation a
   * DynamoDB call belongs to. `concurrent` where several run at once (local mode).
   * @default 'concurrent'
   */
  invocations?: InvocationConcurrency;
  /** Monotonic clock for durations, ms. @default process.hrtime, in ms */
  clock?: () => number;
}

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

export interface Telemetry {
  /** For the idempotency middleware's `hooks` option. */
  readonly hooks: IdempotencyHooks;
  /** Counts the client's DynamoDB calls into the invocation making them. Once per client, at the edge. */
  instrumentClient<C extends Pick<DynamoDBClient, 'middlewareStack'>>(client: C): C;
  /** Times the processor's charges and counts their errors by kind. */
  instrumentProcessor(processor: PaymentProcessor): PaymentProcessor;
  /** The handler, writing one log line and one EMF document per invocation. */
  wrapHandler<E, R>(handler: Handler<E, R>): Handler<E, R>;
  /** The recovery worker's re-drive, recorded per attempt (the `app` a recovery sweep is given). */
  wrapRedrive<Rec extends { executionId: string; request?: { method: string; path: string } }, R extends { statusCode: number }>(
    redrive: (record: Rec, context: Context) => Promise<R>,
  ): (record: Rec, context: Context) => Promise<R>;
  /** The recovery worker's `log`: one line per attempt, joined with what its re-drive recorded. */
  recoveryLog(line: Record<string, unknown>): void;
  /**
   * A recovery sweep (a Lambda handler, or local mode's sweep function): one line and one EMF
   * document per sweep. `logIdleSweeps: false` keeps quiet about sweeps that found nothing.
   */
  wrapRecovery<A extends unknown[]>(sweep: (...args: A) => Promise<RecoverySummary>, options?: { logIdleSweeps?: boolean }): (...args: A) => Promise<RecoverySummary>;
}

/** Past this many re-drives the worker never logged about, the oldest are dropped (a sweep that threw). */
const MAX_PENDING_ATTEMPTS = 1_000;

/**
 * Structured logs and CloudWatch metrics for the payments and recovery functions and local mode,
 * hand-written (no logging or metrics library: see docs/operating.md, "Telemetry cost"). One per
 * function, at the edge.
 */
export function createTelemetry(options: TelemetryOptions): Telemetry {
  const namespace = options.namespace ?? METRICS_NAMESPACE;
  const { service } = options;
  const now = options.now ?? Date.now;
  const clock = options.clock ?? monotonicMs;
  const concurrency = options.invocations ?? 'concurrent';
  let coldStart = true;
  const pendingAttempts = new Map<string, InvocationSummary>();

  /** Telemetry never changes an answer: lines that cannot be built or written are dropped. */
  const emit = (documents: () => object[]) => {
    try {
      for (const document of documents()) options.log(JSON.stringify(document));
    } catch {
      // Nothing sensible to do: a bug here, or the sink itself failed.
    }
  };
  const takeColdStart = () => {
    const cold = coldStart;
    coldStart = false;
    return cold;
  };

  const wrapHandler = <E, R>(handler: Handler<E, R>): Handler<E, R> =>
    async (event, context) => {
      const recorder = new InvocationRecorder(requestIdOf(context));
      const cold = takeColdStart();
      const startedAtMs = clock();
      let result: R | undefined;
      let errorName: string | undefined;
      try {
        result = await runRecorded(recorder, async () => handler(event, context), concurrency);
        return result;
      } catch (error) {
        errorName = nameOf(error);
        throw error;
      } finally {
        const durationMs = clock() - startedAtMs;
        emit(() => {
          const summary: InvocationSummary = {
            service,
            requestId: recorder.requestId,
            coldStart: cold,
            timestampMs: now(),
            durationMs,
            request: describeRequest(event),
            statusCode: statusOf(result),
            errorName,
            recorder,
          };
          return [invocationLine(summary), invocationMetrics(summary, namespace)];
        });
      }
    };

  function wrapRedrive<Rec extends { executionId: string; request?: { method: string; path: string } }, R extends { statusCode: number }>(
    redrive: (record: Rec, context: Context) => Promise<R>,
  ): (record: Rec, context: Context) => Promise<R> {
    return async (record, context) => {
      const parent = currentRecorder();
      const recorder = new InvocationRecorder(parent?.requestId ?? requestIdOf(context), parent);
      const startedAtMs = clock();
      let response: R | undefined;
      let errorName: string | undefined;
      try {
        response = await runRecorded(recorder, () => redrive(record, context), concurrency);
        return response;
      } catch (error) {
        errorName = nameOf(error);
        throw error;
      } finally {
        if (pendingAttempts.size >= MAX_PENDING_ATTEMPTS) pendingAttempts.delete(pendingAttempts.keys().next().value!);
        const durationMs = clock() - startedAtMs;
        emit(() => {
          const { method, path } = record.request ?? {};
          pendingAttempts.set(record.executionId, {
            service,
            requestId: recorder.requestId,
            coldStart: false,
            timestampMs: now(),
            durationMs,
            request: describeRequest(method === undefined ? undefined : { httpMethod: method, resource: path }),
            statusCode: response?.statusCode,
            errorName,
            recorder,
          });
          return []; // written with the worker's verdict, by recoveryLog
        });
      }
    };
  }

  const recoveryLog = (line: Record<string, unknown>) => {
    const outcome = recoveryOutcomeOf(line);
    const executionId = typeof line.executionId === 'string' ? line.executionId : undefined;
    const redrive = executionId === undefined ? undefined : pendingAttempts.get(executionId);
    if (executionId !== undefined) pendingAttempts.delete(executionId);
    const requestId = currentRecorder()?.requestId ?? redrive?.requestId ?? 'recovery';
    if (outcome) {
      emit(() => [recoveryAttemptLine({ outcome, worker: line, redrive, service, requestId, timestampMs: now() })]);
      return;
    }
    // Another line of the worker's: its message only, never arbitrary fields.
    emit(() => [{ timestamp: isoTimestamp(now()), level: 'info', message: String(line.message ?? 'recovery'), service, requestId }]);
  };

  const wrapRecovery: Telemetry['wrapRecovery'] =
    (sweep, { logIdleSweeps = true } = {}) =>
    async (...args) => {
      const recorder = new InvocationRecorder(requestIdOf(args.find(isContext)));
      const cold = takeColdStart();
      const startedAtMs = clock();
      let summary: RecoverySummary | undefined;
      let errorName: string | undefined;
      try {
        summary = await runRecorded(recorder, () => sweep(...args), concurrency);
        return summary;
      } catch (error) {
        errorName = nameOf(error);
        throw error;
      } finally {
        pendingAttempts.clear();
        if (logIdleSweeps || !summary || summary.due > 0) {
          const report: SweepReport = {
            service,
            requestId: recorder.requestId,
            coldStart: cold,
            timestampMs: now(),
            durationMs: clock() - startedAtMs,
            dynamoDbRequests: recorder.dynamoDb.requests,
            summary,
            errorName,
          };
          emit(() => [recoverySweepLine(report), recoverySweepMetrics(report, namespace)]);
        }
      }
    };

  return {
    hooks: { onOutcome: (event) => currentRecorder()?.recordIdempotency(event) },
    instrumentClient: (client) => instrumentDynamoDbClient(client, clock),
    instrumentProcessor: (processor) => instrumentProcessor(processor, clock),
    wrapHandler,
    wrapRedrive,
    recoveryLog,
    wrapRecovery,
  };
}

const isContext = (value: unknown): value is Context => typeof (value as Context | undefined)?.awsRequestId === 'string';
const requestIdOf = (context: unknown) => (isContext(context) && context.awsRequestId.length > 0 ? context.awsRequestId : randomUUID());
const nameOf = (error: unknown) => (error instanceof Error ? error.name : typeof error);
function statusOf(result: unknown): number | undefined {
  const statusCode = (result as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof statusCode === 'number' && Number.isInteger(statusCode) ? statusCode : undefined;
}
