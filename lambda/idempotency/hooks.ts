import type { Context } from 'aws-lambda';
import { HttpError, type HttpResponse } from './http';
import { KeyReusedError, StoreRejectedError, StoreUnavailableError } from './errors';
import { ResponseTooLargeError } from './response-codec';

/**
 * How the layer settled one request it applies to. Exactly one per request, so a count per outcome
 * adds up to the idempotent requests served.
 */
export const IdempotencyOutcome = {
  /** Claimed fresh, ran the handler, completed the record. */
  Executed: 'executed',
  /** Claimed by taking over an IN_PROGRESS record whose lease lapsed, ran, completed. */
  Takeover: 'takeover',
  /** Answered with a completed record's stored response (from DynamoDB or the warm cache: `source`). */
  Replayed: 'replayed',
  /** 409: the first request with the key is still running. */
  Conflict: 'conflict',
  /** 422: the key was first used with another request. */
  Mismatch: 'mismatch',
  /** The handler failed (threw or answered 5xx): the key was released for a retry. */
  Released: 'released',
  /** The lease was taken over before completing: the answer is the record's current one. */
  LeaseLost: 'lease_lost',
  /** DynamoDB did not answer the claim or the completion (503); a claimed key was released. */
  StoreUnavailable: 'store_unavailable',
  /** DynamoDB refused a write as invalid: the claim, or the result (completed as the 500 that says so). */
  StoreRejected: 'store_rejected',
} as const;
export type IdempotencyOutcome = (typeof IdempotencyOutcome)[keyof typeof IdempotencyOutcome];

/** Where the record that answered a request without running it came from. */
export type RecordSource = 'cache' | 'store';

/** What a hook learns about one request; never a body, a header or a stored response. */
export interface IdempotencyEvent {
  outcome: IdempotencyOutcome;
  tenant: string;
  key: string;
  /** The record's execution id; absent when no record was claimed or read (the claim failed, a cache hit). */
  executionId?: string;
  /** The status the layer answered with, or let through (a released 5xx, a thrown error's). */
  statusCode: number;
  /** For a replay, conflict or mismatch: which copy of the record decided it. */
  source?: RecordSource;
  /** The key was claimed by a lease takeover (also set on a takeover that was released or lost). */
  takeover?: boolean;
  /** How many invocations have held the record's lease, this one included. */
  claimCount?: number;
  /** The stable code of the error behind the outcome (`processor_unavailable`, `store_unavailable`, ...). */
  errorCode?: string;
  /** The release of the lease itself failed: it lapses on its own instead. */
  releaseFailed?: boolean;
  /** Phase durations, in ms: each present when the phase ran. */
  durationsMs: { claim?: number; handler?: number; completion?: number; release?: number };
  /** The invocation's context, to correlate with the caller's own telemetry (awsRequestId). */
  context: Context;
}

type Hook = (event: IdempotencyEvent) => void;

/**
 * Monotonic milliseconds, for phase durations. `process.hrtime` rather than `performance.now()`:
 * the first touch of `performance` loads perf_hooks, some 2 ms of a cold start.
 */
export const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

/**
 * Callbacks for a user's own telemetry. `onOutcome` sees every event; each other one sees its
 * outcome's. A hook runs inline, after the layer decided and before the answer goes back: it must
 * be quick, and whatever it throws is logged and ignored (telemetry never changes an answer).
 */
export interface IdempotencyHooks {
  onOutcome?: Hook;
  onExecuted?: Hook;
  onTakeover?: Hook;
  onReplay?: Hook;
  onConflict?: Hook;
  onMismatch?: Hook;
  onRelease?: Hook;
  onLeaseLost?: Hook;
  onStoreUnavailable?: Hook;
  onStoreRejected?: Hook;
}

const HOOK_OF: Record<IdempotencyOutcome, keyof IdempotencyHooks> = {
  executed: 'onExecuted',
  takeover: 'onTakeover',
  replayed: 'onReplay',
  conflict: 'onConflict',
  mismatch: 'onMismatch',
  released: 'onRelease',
  lease_lost: 'onLeaseLost',
  store_unavailable: 'onStoreUnavailable',
  store_rejected: 'onStoreRejected',
};

/** One set of hooks that calls each of `all` in turn: the product's telemetry beside a user's own. */
export function combineHooks(...all: (IdempotencyHooks | undefined)[]): IdempotencyHooks {
  return { onOutcome: (event) => all.forEach((hooks) => hooks && notifyHooks(hooks, event)) };
}

/** Calls the hooks that want this event; a hook that throws is logged, never propagated. */
export function notifyHooks(hooks: IdempotencyHooks, event: IdempotencyEvent): void {
  for (const name of ['onOutcome', HOOK_OF[event.outcome]] as const) {
    const hook = hooks[name];
    if (!hook) continue;
    try {
      const result: unknown = hook(event);
      // A hook typed as void may still be async: its rejection must not go unhandled.
      if (result instanceof Promise) result.catch((error: unknown) => warnHookFailed(name, error));
    } catch (error) {
      warnHookFailed(name, error);
    }
  }
}

function warnHookFailed(name: string, error: unknown): void {
  console.warn(JSON.stringify({ level: 'warn', message: 'idempotency hook failed', hook: name, error: error instanceof Error ? error.name : typeof error }));
}

type Settled = Pick<IdempotencyEvent, 'outcome' | 'statusCode' | 'errorCode'>;

const codeOf = (error: unknown) => (error instanceof HttpError ? { errorCode: error.code } : {});
const statusOf = (error: unknown) => (error instanceof HttpError ? error.status : 500);

/** A record that answered without running: 422 when the request differs, else 409. */
export function refusalOf(error: unknown): Settled {
  const outcome = error instanceof KeyReusedError ? IdempotencyOutcome.Mismatch : IdempotencyOutcome.Conflict;
  return { outcome, statusCode: statusOf(error) };
}

/** The claim itself failed: DynamoDB did not answer, or refused the write (or a bug: counted as refused). */
export function claimFailure(error: unknown): Settled {
  const outcome = error instanceof StoreUnavailableError ? IdempotencyOutcome.StoreUnavailable : IdempotencyOutcome.StoreRejected;
  return { outcome, statusCode: statusOf(error), ...codeOf(error) };
}

/**
 * Why a claimed key was released: the store failing the completion, or the handler failing
 * (thrown, or a 5xx it answered with, `answeredStatus`, when nothing was thrown).
 */
export function failureOf(error: unknown, answeredStatus: number): Settled {
  if (error === undefined || error === null) return { outcome: IdempotencyOutcome.Released, statusCode: answeredStatus };
  if (error instanceof StoreUnavailableError) return { outcome: IdempotencyOutcome.StoreUnavailable, statusCode: error.status, errorCode: error.code };
  if (error instanceof StoreRejectedError || error instanceof ResponseTooLargeError) {
    return { outcome: IdempotencyOutcome.StoreRejected, statusCode: error.status, errorCode: error.code };
  }
  return { outcome: IdempotencyOutcome.Released, statusCode: statusOf(error), ...codeOf(error) };
}

/** The part of an event the phase that settles a request knows; the middleware adds tenant, key and context. */
export type Report = (fields: Omit<IdempotencyEvent, 'tenant' | 'key' | 'context'>) => void;

/**
 * Runs `answer` (a replay, or a thrown 409/422) and reports it: as a replay, conflict or mismatch,
 * or as `outcome` when given (a zombie answered from the record that beat it).
 */
export function answered(
  answer: () => HttpResponse,
  report: Report,
  fields: Omit<Parameters<Report>[0], 'outcome' | 'statusCode'>,
  outcome?: IdempotencyOutcome,
): HttpResponse {
  let response: HttpResponse;
  try {
    response = answer();
  } catch (error) {
    const refusal = refusalOf(error);
    report({ ...fields, ...refusal, outcome: outcome ?? refusal.outcome });
    throw error;
  }
  report({ ...fields, outcome: outcome ?? IdempotencyOutcome.Replayed, statusCode: response.statusCode });
  return response;
}

