import { AsyncLocalStorage } from 'node:async_hooks';
import type { IdempotencyEvent } from '../idempotency/hooks';

/** One DynamoDB call as the SDK client saw it: `attempts` counts the SDK's own retries. */
export interface DynamoDbCall {
  operation: string;
  attempts: number;
  durationMs: number;
  /** The error's name when the call failed after its retries, e.g. `ProvisionedThroughputExceededException`. */
  errorName?: string;
}

/** The fixed, low-cardinality kinds a processor failure is counted by. */
export const ProcessorErrorKind = {
  /** Did not answer, 5xx, 429, timed out: the charge may or may not exist (a 502, key released). */
  Unavailable: 'unavailable',
  /** Refused the request as invalid (a 4xx of ours). */
  Rejected: 'rejected',
  /** Any other failure it reported (a bad secret, an idempotency error): a 5xx of ours. */
  Failed: 'failed',
  /** Something that is not a processor error at all: a bug. */
  Unexpected: 'unexpected',
} as const;
export type ProcessorErrorKind = (typeof ProcessorErrorKind)[keyof typeof ProcessorErrorKind];

export interface ProcessorCall {
  durationMs: number;
  errorKind?: ProcessorErrorKind;
  /** The charge came back failed (a card decline): an answer, not an error. */
  declined?: boolean;
}

/**
 * What one invocation (or one recovery attempt) did, filled in as it runs by the middleware's
 * hooks, the DynamoDB client middleware and the processor decorator. A child (a recovery attempt
 * inside a sweep) passes its calls up, so the sweep's counts include its attempts'.
 */
export class InvocationRecorder {
  idempotency?: Omit<IdempotencyEvent, 'context'>;
  readonly dynamoDb = { requests: 0, attempts: 0, failures: 0, throttles: 0, durationMs: 0 };
  /** Each processor call's duration, in order; the last failure's kind. */
  readonly processor: { latenciesMs: number[]; errors: number; declines: number; errorKind?: ProcessorErrorKind } = { latenciesMs: [], errors: 0, declines: 0 };

  /**
   * @param requestId the invocation's (a recovery attempt carries its sweep's)
   * @param parent the recorder whose counts include this one's
   */
  constructor(
    readonly requestId: string,
    private readonly parent?: InvocationRecorder,
  ) {}

  recordIdempotency(event: IdempotencyEvent): void {
    const { context: _context, ...rest } = event;
    this.idempotency = rest;
  }

  recordDynamoDb(call: DynamoDbCall): void {
    this.dynamoDb.requests++;
    this.dynamoDb.attempts += call.attempts;
    this.dynamoDb.durationMs += call.durationMs;
    if (call.errorName) this.dynamoDb.failures++;
    if (call.errorName && THROTTLING.test(call.errorName)) this.dynamoDb.throttles++;
    this.parent?.recordDynamoDb(call);
  }

  recordProcessor(call: ProcessorCall): void {
    this.processor.latenciesMs.push(call.durationMs);
    if (call.declined) this.processor.declines++;
    if (call.errorKind) {
      this.processor.errors++;
      this.processor.errorKind = call.errorKind;
    }
    this.parent?.recordProcessor(call);
  }
}

/** DynamoDB's names for "too many requests" (after the SDK's retries gave up). */
const THROTTLING = /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded/;

/**
 * How invocations share this process: `sequential`, one at a time (a Lambda execution environment),
 * so the current recorder can be a plain variable; `concurrent` (local mode serves many requests
 * and sweeps at once) needs an AsyncLocalStorage, whose promise hooks cost every `await` of every
 * request (about 0.2 µs each on Node 20 and 22), warm or not.
 */
export type InvocationConcurrency = 'sequential' | 'concurrent';

let sequential: InvocationRecorder | undefined;
let asyncLocal: AsyncLocalStorage<InvocationRecorder> | undefined;

/** The recorder of the invocation running here: the async context's, else the sequential one. */
export const currentRecorder = (): InvocationRecorder | undefined => asyncLocal?.getStore() ?? sequential;

/** Runs `run` as the invocation `recorder` records; nested runs (a recovery attempt in its sweep) restore the outer one. */
export async function runRecorded<T>(recorder: InvocationRecorder, run: () => Promise<T>, concurrency: InvocationConcurrency = 'concurrent'): Promise<T> {
  if (concurrency === 'concurrent') {
    asyncLocal ??= new AsyncLocalStorage();
    return asyncLocal.run(recorder, run);
  }
  const outer = sequential;
  sequential = recorder;
  try {
    return await run();
  } finally {
    sequential = outer;
  }
}
