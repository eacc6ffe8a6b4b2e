import type middy from '@middy/core';
import type { APIGatewayProxyResult, Context } from 'aws-lambda';
import { UNAUTHORIZED_DETAIL } from '../auth/config';
import { isTenantId } from '../auth/tenant';
import { unauthorized } from '../http/errors';
import { errorToResponse } from '../http/problem';
import type { HttpRequest, HttpResponse } from '../http/types';
import { shapeEarlyAnswers, toHttpRequest } from '../idempotency/http-events';
import { isResource, pathOf, Resource } from '../shared/routes';
import { IDEMPOTENCY_KEY_HEADER, requestKey } from '../idempotency/key';
import { parseOrThrow } from '../http/parse';
import { DirectPayload, type ProxyEvent, ProxyEvent as ProxyEventSchema } from './schema';

/** What `aws lambda invoke` gets back: the HTTP answer with its body parsed. */
export interface DirectResult {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

export type EventKind = 'proxy' | 'direct';

/**
 * Anything with an `httpMethod` is meant as a REST API proxy event (no direct payload has one);
 * fromProxyEvent then checks that it really is one.
 */
export function eventKind(event: unknown): EventKind {
  return typeof event === 'object' && event !== null && Object.hasOwn(event, 'httpMethod') ? 'proxy' : 'direct';
}

/**
 * A REST API proxy event as an HttpRequest. A malformed one (only a direct invoker can send that)
 * is a 400 `invalid_event`; its strings are checked where they are used: the tenant here, the
 * key by the key parser, the body by body validation. Headers, query and body are read by the
 * layer's own front door (lambda/idempotency/http-events.ts), the path by the API's routes.
 */
export function fromProxyEvent(input: unknown): HttpRequest {
  const event = parseOrThrow(ProxyEventSchema, input, 'invalid_event', 'event', { strings: 'any' });
  const tenant = authorizedTenant(event);
  const { request } = toHttpRequest(event, { tenant: () => tenant });
  return { ...request, path: routePath(event.resource ?? undefined, event.path, request.pathParameters) };
}

/**
 * The tenant the REQUEST authorizer verified (`requestContext.authorizer.tenant`), and nothing
 * else: no header, no `identity.apiKeyId` (a usage-plan key, no credential). API Gateway runs the
 * authorizer before every payments method, so an event without a tenant reached the function some
 * other way (a method deployed without the authorizer, a hand-made event): it is refused as the
 * gateway would refuse it, and nothing runs. The authorizer only hands out tenant ids; one that is
 * not (see TENANT_ID) is no tenant.
 */
function authorizedTenant(event: ProxyEvent): string {
  const tenant = event.requestContext?.authorizer?.tenant;
  if (typeof tenant !== 'string' || !isTenantId(tenant)) throw unauthorized(UNAUTHORIZED_DETAIL);
  return tenant;
}

/** The path as the API defines it (no stage, no custom-domain base path), so fingerprints are stable. */
function routePath(resource: string | undefined, path: string, pathParameters: Record<string, string>): string {
  if (isResource(resource)) return pathOf(resource, pathParameters) ?? path;
  return resource && !resource.includes('{') ? resource : path;
}

export function fromDirectPayload(event: unknown): HttpRequest {
  const payload = parseOrThrow(DirectPayload, event, 'invalid_payload', 'payload');
  const { tenant } = payload;
  if (payload.operation === 'getPayment') {
    return { method: 'GET', path: pathOf(Resource.Payment, { id: payload.id })!, headers: {}, pathParameters: { id: payload.id }, query: {}, body: null, tenant };
  }
  if (payload.operation === 'listPayments') {
    const query: Record<string, string[]> = {};
    if (payload.limit !== undefined) query.limit = [String(payload.limit)];
    if (payload.startingAfter !== undefined) query.starting_after = [payload.startingAfter];
    return { method: 'GET', path: Resource.Payments, headers: {}, pathParameters: {}, query, body: null, tenant };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (payload.idempotencyKey !== undefined) headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] = payload.idempotencyKey;
  // Safe to stringify: parseOrThrow bounded the payload's depth.
  const body = payload.payment === undefined ? null : JSON.stringify(payload.payment);
  return { method: 'POST', path: Resource.Payments, headers, pathParameters: {}, query: {}, body, tenant };
}

export const toProxyResult = (response: HttpResponse): APIGatewayProxyResult => ({ ...response });

const ARRIVAL = 'payments:front-door';
interface Arrival {
  kind: EventKind;
  /** Set once the event was read: what the answer may echo the key of. */
  request?: HttpRequest;
}

/**
 * The function's one door, first in its chain: `before` reads a REST API proxy event or a direct
 * payload as an HttpRequest (refusing a malformed one); `after` and `onError` give the answer
 * the shape the caller sent for, naming the key of a POST. Errors become problem+json in
 * problemAnswers (lambda/http/problem.ts), which must come after this in the chain (middy runs
 * `onError` in reverse), or here when this door itself refused the event.
 */
export function frontDoor(): middy.MiddlewareObj<unknown, unknown, Error, Context, Record<string, unknown>> {
  const shaped = (arrival: Arrival, response: HttpResponse) => {
    const echoed = echoIdempotencyKey(arrival.request, response);
    return arrival.kind === 'proxy' ? toProxyResult(echoed) : toDirectResult(echoed);
  };
  const answer = (request: { internal: Record<string, unknown>; response: unknown }, response: HttpResponse) => {
    request.response = shaped(request.internal[ARRIVAL] as Arrival, response);
  };
  return {
    before: (request) => {
      const kind = eventKind(request.event);
      const arrival: Arrival = { kind };
      request.internal[ARRIVAL] = arrival;
      // A replay answered from the claim's `before` skips this door's `after`.
      shapeEarlyAnswers(request, (response) => shaped(arrival, response));
      arrival.request = kind === 'proxy' ? fromProxyEvent(request.event) : fromDirectPayload(request.event);
      request.event = arrival.request;
    },
    after: (request) => answer(request, request.response as HttpResponse),
    onError: (request) => answer(request, isAnswer(request.response) ? request.response : errorToResponse(request.error)),
  };
}

const isAnswer = (value: unknown): value is HttpResponse => typeof value === 'object' && value !== null && typeof (value as HttpResponse).statusCode === 'number';

/** Every answer to a POST names the key it was about, when the key was a valid one. */
function echoIdempotencyKey(request: HttpRequest | undefined, response: HttpResponse): HttpResponse {
  if (request?.method !== 'POST') return response;
  const parsed = requestKey(request);
  if (!parsed.ok) return response;
  return { ...response, headers: { ...response.headers, [IDEMPOTENCY_KEY_HEADER]: parsed.key } };
}

export function toDirectResult(response: HttpResponse): DirectResult {
  let body: unknown = response.body;
  try {
    body = response.body === '' ? null : JSON.parse(response.body);
  } catch {
    // Not JSON: hand it back as the text it is.
  }
  return { statusCode: response.statusCode, headers: response.headers, body };
}

