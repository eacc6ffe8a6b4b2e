import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type HttpRequest, type HttpResponse, problemResponse } from './http';
import { KeyReusedError, LeaseLostError, RequestInProgressError, StoreRejectedError } from './errors';
import { ExecutionDurations } from './execution-durations';
import { eventResultFor } from './http-events';
import { requestFingerprint } from './fingerprint';
import {
  answered,
  claimFailure,
  failureOf,
  type IdempotencyEvent,
  type IdempotencyHooks,
  IdempotencyOutcome,
  monotonicMs,
  notifyHooks,
  type Report,
} from './hooks';
import { requireRequestKey } from './key';
import { decide } from './decide';
import type { IdempotencyRecord, RecordAnswer } from './record';
import type { ReplayCache } from './replay-cache';
import { ResponseTooLargeError } from './response-codec';
import type { IdempotencyStore, RecordAttachment } from './store';

export const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * Added to the function's remaining time to make the lease: two containers' clocks can disagree
 * by this much, and a lease must not lapse while its holder can still run.
 */
export const DEFAULT_LEASE_MARGIN_MS = 1_000;

/** The lease when the context cannot tell the remaining time (tests, scripts): long enough for any run of theirs. */
export const DEFAULT_LEASE_MS = 30_000;

export interface IdempotencyOptions<Write = never> {
  store: IdempotencyStore<Write>;
  /**
   * Lease when the context cannot tell the remaining time (tests, scripts), in ms.
   * @default DEFAULT_LEASE_MS (30000)
   */
  defaultLeaseMs?: number;
  /**
   * Added to the function's remaining time: clocks of two containers can disagree by this much,
   * and a lease must not lapse while its holder can still be running.
   * @default DEFAULT_LEASE_MARGIN_MS (1000)
   */
  leaseMarginMs?: number;
  /** @default Date.now */
  now?: () => number;
  /**
   * Which requests are idempotent operations; others pass straight through.
   * @default every POST
   */
  appliesTo?: (request: HttpRequest) => boolean;
  /** Completed records kept in this container; replays found here cost no DynamoDB request. */
  cache?: ReplayCache;
  /**
   * Store the request (method, path, validated body; never headers) with the claim, so a recovery
   * worker can finish an operation whose holder died without waiting for the client to retry.
   * @default false
   */
  recoverable?: boolean;
  /** Callbacks told how each request was settled, for the caller's own telemetry. @default none */
  hooks?: IdempotencyHooks;
  /**
   * The request's idempotency key. Throw an HttpError to refuse the request (nothing is written).
   * @default the `Idempotency-Key` header, parsed by parseIdempotencyKey (a 400 when missing or invalid)
   */
  keyOf?: (request: HttpRequest) => string;
}

/** What the wrapped handler knows of its claim: `getIdempotency(context)`. */
export interface IdempotencyClaim<Write = unknown> {
  tenant: string;
  key: string;
  /** Stable across retries and lease takeovers: derive downstream idempotency keys from it. */
  executionId: string;
  /**
   * When the record was first claimed: a downstream idempotency window (Stripe keeps a key 24 h)
   * counts from here, however many takeovers came since.
   */
  firstClaimedAtEpochMs: number;
  /**
   * Adds writes of other items that must commit together with the completion of the record (or
   * not at all). They turn the completion into a transaction: prefer `attachToRecord`.
   */
  addWrites(...items: Write[]): void;
  /**
   * Keeps these attributes on the record itself, set by the completing write (one single-item
   * write, no transaction); with `retainForever`, the record outlives the retention.
   */
  attachToRecord(attributes: Record<string, unknown>, options?: { retainForever?: boolean }): void;
}

/** A Lambda context the middleware claimed a key for. */
export type IdempotentContext<Write = unknown> = Context & { idempotency: IdempotencyClaim<Write> };

/**
 * The claim the middleware made for this invocation, for the handler it wraps. Throws when the
 * middleware did not claim (the request was not one it applies to, or the handler is not behind it):
 * a handler that needs its execution id must not run without one.
 */
export function getIdempotency<Write = unknown>(context: Context): IdempotencyClaim<Write> {
  const claim = (context as Partial<IdempotentContext<Write>>).idempotency;
  if (!claim) throw new Error('no idempotency claim on this context: is the handler wrapped by the idempotency middleware, and does the request apply?');
  return claim;
}

interface ClaimState<Write> {
  record: IdempotencyRecord;
  key: string;
  writes: Write[];
  attachment: RecordAttachment;
  /** For the hooks: how the key was claimed and how long each phase took (monotonic ms). */
  takeover: boolean;
  durationsMs: IdempotencyEvent['durationsMs'];
  handlerStartedAtMs: number;
}

const STATE = 'idempotency';
type Request = middy.Request<HttpRequest, HttpResponse, Error, Context, Record<string, unknown>>;

/** `before` claims or answers from the record, `after` completes, `onError` releases. */
export function idempotency<Write = never>(options: IdempotencyOptions<Write>): middy.MiddlewareObj<HttpRequest, HttpResponse, Error, Context> {
  const now = options.now ?? Date.now;
  const defaultLeaseMs = options.defaultLeaseMs ?? DEFAULT_LEASE_MS;
  const leaseMarginMs = options.leaseMarginMs ?? DEFAULT_LEASE_MARGIN_MS;
  const appliesTo = options.appliesTo ?? ((request: HttpRequest) => request.method === 'POST');
  const keyOf = options.keyOf ?? requireRequestKey;
  const durations = new ExecutionDurations();
  const answer = (record: RecordAnswer, fingerprint: string, nowMs: number) => answerFromRecord(record, fingerprint, nowMs, durations);
  const hooks = options.hooks;
  // The tenant and key as claimed, never read back from the event, which the handler may have changed.
  const reporter = (request: Request, tenant: string, key: string): Report =>
    hooks ? (fields) => notifyHooks(hooks, { ...fields, tenant, key, context: request.context }) : () => {};

  const before = async (request: Request): Promise<unknown> => {
    const event = request.event;
    if (!appliesTo(event)) return undefined;
    const key = keyOf(event);
    // The validated body when there is one, so what validation treats as equal (null vs absent,
    // `{}` vs no metadata) is the same request here too.
    const body = event.parsedBody === undefined ? event.body : JSON.stringify(event.parsedBody);
    const fingerprint = requestFingerprint(event.method, event.path, body);
    const nowMs = now();
    const report = reporter(request, event.tenant, key);
    const cached = options.cache?.get(event.tenant, key, nowMs);
    // An early answer skips every `after` in the chain, httpEvents' too: it goes out in the event's shape from here.
    if (cached) return eventResultFor(request, answered(() => answer(cached, fingerprint, nowMs), report, { source: 'cache', durationsMs: {} }));
    const remainingMs = request.context.getRemainingTimeInMillis?.() ?? defaultLeaseMs;
    const claimStartedAtMs = monotonicMs();
    let outcome;
    try {
      outcome = await options.store.claim({
        tenant: event.tenant,
        key,
        fingerprint,
        leaseUntilEpochMs: nowMs + remainingMs + leaseMarginMs,
        nowMs,
        ...(options.recoverable ? { request: { method: event.method, path: event.path, body } } : {}),
      });
    } catch (error) {
      report({ ...claimFailure(error), durationsMs: { claim: monotonicMs() - claimStartedAtMs } });
      throw error;
    }
    const durationsMs = { claim: monotonicMs() - claimStartedAtMs };
    const { record } = outcome;
    if (outcome.kind === 'existing') {
      options.cache?.put(event.tenant, key, record, nowMs);
      const fields = { source: 'store', executionId: record.executionId, claimCount: record.claimCount, durationsMs } as const;
      return eventResultFor(request, answered(() => answer(record, fingerprint, nowMs), report, fields));
    }

    const state: ClaimState<Write> = {
      record,
      key,
      writes: [],
      attachment: { attributes: {} },
      takeover: outcome.takeover,
      durationsMs,
      handlerStartedAtMs: monotonicMs(),
    };
    request.internal[STATE] = state;
    (request.context as IdempotentContext<Write>).idempotency = {
      tenant: event.tenant,
      key,
      executionId: outcome.record.executionId,
      firstClaimedAtEpochMs: outcome.record.createdAtEpochMs,
      addWrites: (...items) => state.writes.push(...items),
      attachToRecord: (attributes, attachOptions = {}) => {
        state.attachment = {
          attributes: { ...state.attachment.attributes, ...attributes },
          retainForever: attachOptions.retainForever ?? state.attachment.retainForever,
        };
      },
    };
    return undefined;
  };

  const after = async (request: Request): Promise<void> => {
    const state = request.internal[STATE] as ClaimState<Write> | undefined;
    if (!state || !request.response) return;
    state.durationsMs.handler = monotonicMs() - state.handlerStartedAtMs;
    if (request.response.statusCode >= 500) return release(request); // a failure is not a result
    delete request.internal[STATE];
    const report = reporter(request, state.record.tenant, state.key);
    const completionStartedAtMs = monotonicMs();
    const finished = () => ({ ...claimFields(state), durationsMs: { ...state.durationsMs, completion: monotonicMs() - completionStartedAtMs } });
    try {
      const { response, rejectedCode } = await complete(state, request.response);
      request.response = response;
      const outcome = rejectedCode ? IdempotencyOutcome.StoreRejected : state.takeover ? IdempotencyOutcome.Takeover : IdempotencyOutcome.Executed;
      report({ ...finished(), outcome, statusCode: response.statusCode, ...(rejectedCode ? { errorCode: rejectedCode } : {}) });
    } catch (error) {
      if (!(error instanceof LeaseLostError)) {
        state.durationsMs.completion = monotonicMs() - completionStartedAtMs;
        request.internal[STATE] = state; // onError releases it
        throw error;
      }
      // A zombie: another invocation took the key over. Its outcome, not ours, is the answer.
      if (!error.current) {
        report({ ...finished(), outcome: IdempotencyOutcome.LeaseLost, statusCode: 409 });
        throw new RequestInProgressError(1_000);
      }
      const current = error.current;
      options.cache?.put(state.record.tenant, state.key, current, now());
      request.response = answered(() => answer(current, state.record.fingerprint, now()), report, finished(), IdempotencyOutcome.LeaseLost);
    }
  };

  /**
   * Completes the record with the response, or, when DynamoDB could never store it (too large,
   * refused as invalid), with the 500 that says so: a result that cannot be kept must not send the
   * key back for a second execution that would end the same way. Returns what the client gets.
   * Not so for a result the handler asked to keep for good (a payment): a stored 500 would leave
   * its effect (the charge) with no record of it and expire, so the key is released instead, and
   * retries or recovery keep meeting the refusal until it is fixed or flagged for attention.
   * With the code of the refusal when the record completed with that 500.
   */
  const complete = async (state: ClaimState<Write>, response: HttpResponse): Promise<{ response: HttpResponse; rejectedCode?: string }> => {
    let completed: IdempotencyRecord;
    let rejectedCode: string | undefined;
    try {
      completed = await options.store.complete(state.record, response, state.writes, now(), state.attachment);
    } catch (error) {
      // With the handler's own writes in the transaction, the refusal may be theirs: not ours to settle.
      const unstorable = error instanceof ResponseTooLargeError || (error instanceof StoreRejectedError && state.writes.length === 0);
      if (!unstorable || state.attachment.retainForever) throw error;
      console.error(JSON.stringify({ level: 'error', message: 'result could not be stored; completing with a 500', code: error.code, error: String(error.cause) }));
      completed = await options.store.complete(state.record, problemResponse(error, error.detail), [], now());
      rejectedCode = error.code;
    }
    const nowMs = now();
    durations.record(nowMs - state.record.leasedAtEpochMs);
    options.cache?.put(state.record.tenant, state.key, completed, nowMs);
    return { response: completed.response!, rejectedCode };
  };

  const release = async (request: Request): Promise<void> => {
    const state = request.internal[STATE] as ClaimState<Write> | undefined;
    if (!state) return;
    delete request.internal[STATE];
    state.durationsMs.handler ??= monotonicMs() - state.handlerStartedAtMs; // the handler threw
    const releaseStartedAtMs = monotonicMs();
    let releaseFailed = false;
    try {
      // middy stopped waiting, the handler did not stop: its lease stays until it lapses (a retry then takes over).
      if (!isEarlyTimeout(request.error)) await options.store.release(state.record, now());
    } catch (error) {
      releaseFailed = true;
      // The lease lapses by itself; a failed release only delays the retry until then.
      console.warn(JSON.stringify({ level: 'warn', message: 'could not release idempotency lease', error: String(error) }));
    }
    reporter(request, state.record.tenant, state.key)({
      ...claimFields(state),
      // Thrown (onError), or a 5xx answer (after).
      ...failureOf(request.error, request.response?.statusCode ?? 500),
      ...(releaseFailed ? { releaseFailed } : {}),
      durationsMs: { ...state.durationsMs, release: monotonicMs() - releaseStartedAtMs },
    });
  };

  return { before, after, onError: release };
}

/** The answer a record gives a request that did not claim it: a replay, or a thrown 422 or 409. */
export function answerFromRecord(record: RecordAnswer, fingerprint: string, nowMs: number, durations: ExecutionDurations): HttpResponse {
  const decision = decide(record, { fingerprint, nowMs });
  if (decision.kind === 'replay') return replay(decision.response);
  if (decision.kind === 'mismatch') throw new KeyReusedError();
  // The store found the key held, and it is free by now (the lease lapsed, the result expired): a retry claims it.
  if (decision.kind !== 'in_progress') throw new RequestInProgressError(1_000);
  throw new RequestInProgressError(durations.retryAfterMs(decision.leasedAtEpochMs, decision.leaseUntilEpochMs, nowMs));
}

/** middy's `timeoutEarlyInMillis` fired: it abandoned the handler's promise, which may still be running. */
const isEarlyTimeout = (error: unknown) =>
  error instanceof Error && error.name === 'TimeoutError' && (error.cause as { package?: unknown } | undefined)?.package === '@middy/core';

/** What every event about a claimed record says of the claim. */
const claimFields = (state: ClaimState<unknown>) => ({ executionId: state.record.executionId, claimCount: state.record.claimCount, takeover: state.takeover });

export function replay(stored: HttpResponse): HttpResponse {
  return { statusCode: stored.statusCode, headers: { ...stored.headers, [REPLAYED_HEADER]: 'true' }, body: stored.body };
}
