import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { HttpRequest, HttpResponse } from '../http/types';
import { problemResponse } from '../http/problem';
import { KeyReusedError, LeaseLostError, RequestInProgressError, StoreRejectedError } from './errors';
import { ExecutionDurations } from './execution-durations';
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
import { IDEMPOTENCY_KEY_HEADER, requireIdempotencyKey } from './key';
import { type IdempotencyRecord, RecordStatus } from './record';
import type { ReplayCache } from './replay-cache';
import { ResponseTooLargeError } from './response-codec';
import type { IdempotencyStore, RecordAttachment, TransactWriteItem } from './store';

export const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * Added to the function's remaining time to make the lease: two containers' clocks can disagree
 * by this much, and a lease must not lapse while its holder can still run.
 */
export const DEFAULT_LEASE_MARGIN_MS = 1_000;

export interface IdempotencyOptions {
  store: IdempotencyStore;
  /**
   * Lease when the context cannot tell the remaining time (tests, scripts), in ms.
   * @default 30000
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
}

/** What the wrapped handler sees of its claim, as `context.idempotency`. */
export interface IdempotencyContext {
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
  addWrites(...items: TransactWriteItem[]): void;
  /**
   * Keeps these attributes on the record itself, set by the completing write (one single-item
   * write, no transaction); with `retainForever`, the record outlives the retention.
   */
  attachToRecord(attributes: Record<string, unknown>, options?: { retainForever?: boolean }): void;
}

export type IdempotentContext = Context & { idempotency: IdempotencyContext };

interface ClaimState {
  record: IdempotencyRecord;
  key: string;
  writes: TransactWriteItem[];
  attachment: RecordAttachment;
  /** For the hooks: how the key was claimed and how long each phase took (monotonic ms). */
  takeover: boolean;
  durationsMs: IdempotencyEvent['durationsMs'];
  handlerStartedAtMs: number;
}

const STATE = 'idempotency';
type Request = middy.Request<HttpRequest, HttpResponse, Error, Context, Record<string, unknown>>;

/** `before` claims or answers from the record, `after` completes, `onError` releases. */
export function idempotency(options: IdempotencyOptions): middy.MiddlewareObj<HttpRequest, HttpResponse, Error, Context> {
  const now = options.now ?? Date.now;
  const defaultLeaseMs = options.defaultLeaseMs ?? 30_000;
  const leaseMarginMs = options.leaseMarginMs ?? DEFAULT_LEASE_MARGIN_MS;
  const appliesTo = options.appliesTo ?? ((request: HttpRequest) => request.method === 'POST');
  const durations = new ExecutionDurations();
  const answer = (record: RecordView, fingerprint: string, nowMs: number) => answerFromRecord(record, fingerprint, nowMs, durations);
  const hooks = options.hooks;
  const reporter = (request: Request, key: string): Report =>
    hooks ? (fields) => notifyHooks(hooks, { ...fields, tenant: request.event.tenant, key, context: request.context }) : () => {};

  const before = async (request: Request): Promise<HttpResponse | undefined> => {
    const event = request.event;
    if (!appliesTo(event)) return undefined;
    const key = requireIdempotencyKey(event.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()]);
    // The validated body when there is one, so what validation treats as equal (null vs absent,
    // `{}` vs no metadata) is the same request here too.
    const body = event.parsedBody === undefined ? event.body : JSON.stringify(event.parsedBody);
    const fingerprint = requestFingerprint(event.method, event.path, body);
    const nowMs = now();
    const report = reporter(request, key);
    const cached = options.cache?.get(event.tenant, key, nowMs);
    if (cached) return answered(() => answer(cached, fingerprint, nowMs), report, { source: 'cache', durationsMs: {} });
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
      return answered(() => answer(record, fingerprint, nowMs), report, fields);
    }

    const state: ClaimState = {
      record,
      key,
      writes: [],
      attachment: { attributes: {} },
      takeover: outcome.takeover,
      durationsMs,
      handlerStartedAtMs: monotonicMs(),
    };
    request.internal[STATE] = state;
    (request.context as IdempotentContext).idempotency = {
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
    const state = request.internal[STATE] as ClaimState | undefined;
    if (!state || !request.response) return;
    state.durationsMs.handler = monotonicMs() - state.handlerStartedAtMs;
    if (request.response.statusCode >= 500) return release(request); // a failure is not a result
    delete request.internal[STATE];
    const report = reporter(request, state.key);
    const completionStartedAtMs = monotonicMs();
    const finished = () => ({ ...claimFields(state), durationsMs: { ...state.durationsMs, completion: monotonicMs() - completionStartedAtMs } });
    try {
      const { response, rejectedCode } = await complete(state, request.response, request.event.tenant);
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
      options.cache?.put(request.event.tenant, state.key, current, now());
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
  const complete = async (state: ClaimState, response: HttpResponse, tenant: string): Promise<{ response: HttpResponse; rejectedCode?: string }> => {
    let completed: IdempotencyRecord;
    let rejectedCode: string | undefined;
    try {
      completed = await options.store.complete(state.record, response, state.writes, now(), state.attachment);
    } catch (error) {
      // With the handler's own writes in the transaction, the refusal may be theirs: not ours to settle.
      const unstorable = error instanceof ResponseTooLargeError || (error instanceof StoreRejectedError && state.writes.length === 0);
      if (!unstorable || state.attachment.retainForever) throw error;
      console.error(JSON.stringify({ level: 'error', message: 'result could not be stored; completing with a 500', code: error.code, error: String(error.cause) }));
      completed = await options.store.complete(state.record, problemResponse(error.status, error.code, error.title, error.detail), [], now());
      rejectedCode = error.code;
    }
    const nowMs = now();
    durations.record(nowMs - state.record.leasedAtEpochMs);
    options.cache?.put(tenant, state.key, completed, nowMs);
    return { response: completed.response!, rejectedCode };
  };

  const release = async (request: Request): Promise<void> => {
    const state = request.internal[STATE] as ClaimState | undefined;
    if (!state) return;
    delete request.internal[STATE];
    state.durationsMs.handler ??= monotonicMs() - state.handlerStartedAtMs; // the handler threw
    const releaseStartedAtMs = monotonicMs();
    let releaseFailed = false;
    try {
      await options.store.release(state.record, now());
    } catch (error) {
      releaseFailed = true;
      // The lease lapses by itself; a failed release only delays the retry until then.
      console.warn(JSON.stringify({ level: 'warn', message: 'could not release idempotency lease', error: String(error) }));
    }
    reporter(request, state.key)({
      ...claimFields(state),
      // Thrown (onError), or a 5xx answer (after).
      ...failureOf(request.error, request.response?.statusCode ?? 500),
      ...(releaseFailed ? { releaseFailed } : {}),
      durationsMs: { ...state.durationsMs, release: monotonicMs() - releaseStartedAtMs },
    });
  };

  return { before, after, onError: release };
}

/** The parts of a record that decide how it answers a request that did not claim it. */
export type RecordView = Pick<IdempotencyRecord, 'fingerprint' | 'status' | 'response' | 'leaseUntilEpochMs' | 'leasedAtEpochMs'>;

/** The answer a record gives a request that did not claim it: 422, replay, or 409. */
export function answerFromRecord(record: RecordView, fingerprint: string, nowMs: number, durations: ExecutionDurations): HttpResponse {
  if (record.fingerprint !== fingerprint) throw new KeyReusedError();
  if (record.status === RecordStatus.Completed && record.response) return replay(record.response);
  // Records written before leasedAtEpochMs existed: assume the holder just started.
  throw new RequestInProgressError(durations.retryAfterMs(record.leasedAtEpochMs ?? nowMs, record.leaseUntilEpochMs, nowMs));
}

/** What every event about a claimed record says of the claim. */
const claimFields = (state: ClaimState) => ({ executionId: state.record.executionId, claimCount: state.record.claimCount, takeover: state.takeover });

export function replay(stored: HttpResponse): HttpResponse {
  return { statusCode: stored.statusCode, headers: { ...stored.headers, [REPLAYED_HEADER]: 'true' }, body: stored.body };
}
