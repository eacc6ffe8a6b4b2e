import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route, RouteContext } from './context';
import { type Answer, ErrorType, StripeApiError, apiError, invalidRequest } from './errors';
import { FaultKind, type FaultQueue, type FaultSpec, shouldRetryHeader } from './faults';
import { type FormObject, canonicalJson, parseForm } from './form';
import type { IdempotencyStore } from './idempotency';
import { type StripeState, newId } from './objects';
import { paymentIntentRoutes } from './payment-intents';
import { refundRoutes } from './refunds';
import { type StripeEvent, buildEvent } from './webhooks';

/** The version stripe-node 23.1.0 pins; events for requests that name none carry it. */
export const DEFAULT_API_VERSION = '2026-10-28.endive';

const ROUTES: Route[] = [...paymentIntentRoutes, ...refundRoutes];

export interface RecordedRequest {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  params: FormObject;
  /** The status answered; null while held, or when the connection was dropped unanswered. */
  status: number | null;
  /** The answer was the saved result of an earlier request with the same key. */
  replayed: boolean;
  fault?: FaultKind;
  requestId: string;
}

export interface DispatchDeps {
  secretKey: string;
  nowEpochMs: () => number;
  state: StripeState;
  idempotency: IdempotencyStore;
  faults: FaultQueue;
  requests: RecordedRequest[];
  events: StripeEvent[];
  /** Ends every held (stalled) request; called by close(). */
  holds: Set<() => void>;
}

const HoldEnd = { Elapsed: 'elapsed', ClientGone: 'client-gone', ServerClosed: 'server-closed' } as const;
type HoldEnd = (typeof HoldEnd)[keyof typeof HoldEnd];

const apiVersionOf = (req: IncomingMessage) => String(req.headers['stripe-version'] ?? DEFAULT_API_VERSION);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** stripe-node sends `Bearer <key>`; curl's `-u key:` sends Basic. Both are accepted, as by Stripe. */
function apiKeyOf(req: IncomingMessage): string | undefined {
  const [scheme = '', value = ''] = (req.headers.authorization ?? '').split(/\s+/, 2);
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) return Buffer.from(value, 'base64').toString('utf8').split(':')[0];
  return undefined;
}

/** Stripe echoes a refused key with all but its mode prefix and last four characters starred. */
function masked(key: string): string {
  const prefix = /^[a-z]+_(test|live)_/.exec(key)?.[0] ?? '';
  const hidden = Math.max(0, key.length - prefix.length - 4);
  return `${prefix}${'*'.repeat(hidden)}${key.slice(prefix.length + hidden)}`;
}

function authenticate(req: IncomingMessage, secretKey: string): void {
  const key = apiKeyOf(req);
  if (!key) {
    throw invalidRequest(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      { status: 401 },
    );
  }
  if (key !== secretKey) throw invalidRequest(`Invalid API Key provided: ${masked(key)}`, { status: 401 });
}

const rateLimited = (fault: FaultSpec) =>
  new StripeApiError(
    429,
    { type: ErrorType.InvalidRequest, code: 'rate_limit', message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.' },
    shouldRetryHeader(fault),
  );

/**
 * Holds a request: for `ms` when given (Stripe is slow; it finishes whether or not the client
 * waited), else until the client closes its end (it timed out; Stripe finishes then). close()
 * ends every hold without running the request.
 */
function hold(res: ServerResponse, ms: number | undefined, holds: Set<() => void>): Promise<HoldEnd> {
  if (ms === undefined && res.destroyed) return Promise.resolve(HoldEnd.ClientGone);
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (end: HoldEnd) => {
      clearTimeout(timer);
      holds.delete(onServerClosed);
      res.off('close', onClientGone);
      resolve(end);
    };
    const onClientGone = () => finish(HoldEnd.ClientGone);
    const onServerClosed = () => finish(HoldEnd.ServerClosed);
    if (ms !== undefined) timer = setTimeout(() => finish(HoldEnd.Elapsed), ms);
    else res.on('close', onClientGone);
    holds.add(onServerClosed);
  });
}

/** Drops the connection with a TCP RST: the client sees ECONNRESET and no answer. */
function drop(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}

export function createDispatcher(deps: DispatchDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { secretKey, nowEpochMs, state, idempotency, faults, requests, events, holds } = deps;

  function contextFor(record: RecordedRequest, apiVersion: string): RouteContext {
    return {
      state,
      apiVersion,
      nowEpochSeconds: () => Math.floor(nowEpochMs() / 1000),
      emit(type, object, previousAttributes) {
        const request = { id: record.requestId, idempotencyKey: record.idempotencyKey ?? null };
        events.push(buildEvent(type, object, { apiVersion, createdEpochSeconds: Math.floor(nowEpochMs() / 1000), request, ...(previousAttributes ? { previousAttributes } : {}) }));
      },
    };
  }

  /** Auth, routing, the idempotency layer, validation, then the endpoint. Null: nothing to answer. */
  async function run(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, fault: FaultSpec | undefined): Promise<Answer | null> {
    authenticate(req, secretKey);
    const route = ROUTES.find((candidate) => candidate.method === record.method && candidate.pattern.test(record.path));
    const match = route ? record.path.match(route.pattern) : null;
    if (!route || !match) {
      throw invalidRequest(`Unrecognized request URL (${record.method}: ${record.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`, { status: 404 });
    }
    const apiVersion = apiVersionOf(req);
    const key = record.idempotencyKey;
    const fingerprint = `${record.method} ${record.path} ${canonicalJson(record.params)}`;
    if (key !== undefined) {
      const claim = idempotency.check(secretKey, key, fingerprint);
      if (claim.kind === 'replay') {
        record.replayed = true;
        return { ...claim.answer, headers: { ...claim.answer.headers, 'Idempotent-Replayed': 'true', 'Original-Request': claim.answer.requestId } };
      }
    }
    const execute = route.prepare(record.params, match, contextFor(record, apiVersion));
    if (key !== undefined) idempotency.begin(secretKey, key, fingerprint);
    if (fault?.kind === FaultKind.Stall && (await hold(res, fault.ms, holds)) === HoldEnd.ServerClosed) {
      if (key !== undefined) idempotency.release(secretKey, key);
      return null;
    }
    let answer: Answer;
    try {
      answer = fault?.kind === FaultKind.StoredServerError ? apiError(500, shouldRetryHeader(fault)).toAnswer() : execute();
    } catch (error) {
      if (!(error instanceof StripeApiError)) {
        if (key !== undefined) idempotency.release(secretKey, key);
        throw error;
      }
      answer = error.toAnswer();
    }
    if (key !== undefined) idempotency.complete(secretKey, key, { ...answer, requestId: record.requestId });
    return answer;
  }

  function send(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, answer: Answer): void {
    if (res.destroyed) return;
    record.status = answer.status;
    res.writeHead(answer.status, {
      'Content-Type': 'application/json',
      'Request-Id': record.requestId,
      'Stripe-Version': apiVersionOf(req),
      ...(record.idempotencyKey !== undefined ? { 'Idempotency-Key': record.idempotencyKey } : {}),
      ...answer.headers,
    });
    res.end(JSON.stringify(answer.body, null, 2));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://stripe.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawKey = req.headers['idempotency-key'];
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      // Keys make no difference on GET and DELETE (https://docs.stripe.com/api/idempotent_requests).
      idempotencyKey: method === 'POST' && typeof rawKey === 'string' ? rawKey : undefined,
      params: parseForm(method === 'POST' ? body : url.search.slice(1)),
      status: null,
      replayed: false,
      requestId: newId('req'),
    };
    requests.push(record);
    const fault = faults.take(method, record.path);
    if (fault) record.fault = fault.kind;
    if (fault?.kind === FaultKind.ResetBefore) return drop(req);
    if (fault?.kind === FaultKind.ServerError) return send(req, res, record, apiError(500, shouldRetryHeader(fault)).toAnswer());
    if (fault?.kind === FaultKind.RateLimited) return send(req, res, record, rateLimited(fault).toAnswer());
    let answer: Answer | null;
    try {
      answer = await run(req, res, record, fault);
    } catch (error) {
      answer = error instanceof StripeApiError ? error.toAnswer() : apiError(500).toAnswer();
      if (!(error instanceof StripeApiError)) console.error('stripe-server: unexpected error', error);
    }
    if (answer === null || fault?.kind === FaultKind.ResetAfterCreate) return drop(req);
    send(req, res, record, answer);
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('stripe-server: request failed', error);
      if (!res.headersSent) res.destroy();
    });
  };
}
