import type { APIGatewayProxyResult } from 'aws-lambda';
import { UNAUTHORIZED_DETAIL } from '../auth/config';
import { isTenantId } from '../auth/tenant';
import { badRequest, HttpError, unauthorized } from '../http/errors';
import type { HttpRequest, HttpResponse } from '../http/types';
import { IDEMPOTENCY_KEY_HEADER } from '../idempotency/key';
import { DirectPayload, parseOrThrow, type ProxyEvent, ProxyEvent as ProxyEventSchema } from './schema';

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
 * key by the key parser, the body by body validation.
 */
export function fromProxyEvent(input: unknown): HttpRequest {
  const event = parseOrThrow(ProxyEventSchema, input, 'invalid_event', 'event', { strings: 'any' });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  // Two different Idempotency-Key headers leave no way to tell which operation is meant, whatever
  // the case of their names (`Idempotency-Key` and `idempotency-key` are the same header).
  const keyValues = Object.entries(event.multiValueHeaders ?? {})
    .filter(([name]) => name.toLowerCase() === IDEMPOTENCY_KEY_HEADER.toLowerCase())
    .flatMap(([, values]) => values ?? []);
  if (new Set(keyValues).size > 1) throw badRequest('idempotency_key_invalid', `Send exactly one ${IDEMPOTENCY_KEY_HEADER} header.`);
  const tenant = authorizedTenant(event);
  const pathParameters = Object.fromEntries(Object.entries(event.pathParameters ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return {
    method: event.httpMethod.toUpperCase(),
    path: routePath(event.resource ?? undefined, event.path, pathParameters.id),
    headers,
    pathParameters,
    query: queryOf(event),
    body: proxyBody(event.body ?? null, event.isBase64Encoded === true),
    tenant,
  };
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

/** Every value of every query parameter: the multi-value map when API Gateway sent one. */
function queryOf(event: ProxyEvent): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) if (value !== undefined) query[name] = [value];
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) if (values) query[name] = values;
  return query;
}

// fatal: bytes that are not UTF-8 must not become U+FFFD (two different bodies would then share
// a fingerprint and the second would replay the first); ignoreBOM: keep the text as sent.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text; API Gateway base64-encodes bodies it takes for binary. */
function proxyBody(body: string | null, isBase64Encoded: boolean): string | null {
  if (body === null || !isBase64Encoded) return body;
  const bytes = Buffer.from(body, 'base64');
  // Buffer.from skips characters that are not base64; only canonical base64 round-trips.
  if (bytes.toString('base64') !== body) throw badRequest('invalid_body_encoding', 'The body is flagged as base64 but is not valid base64.');
  try {
    return utf8.decode(bytes);
  } catch {
    throw badRequest('invalid_body_encoding', 'The body is not valid UTF-8.');
  }
}

/** The path as the API defines it (no stage, no custom-domain base path), so fingerprints are stable. */
function routePath(resource: string | undefined, path: string, id: string | undefined): string {
  if (resource === '/payments/{id}' && id !== undefined) return `/payments/${id}`;
  return resource && !resource.includes('{') ? resource : path;
}

export function fromDirectPayload(event: unknown): HttpRequest {
  const payload = parseOrThrow(DirectPayload, event, 'invalid_payload', 'payload');
  const { tenant } = payload;
  if (payload.operation === 'getPayment') {
    return { method: 'GET', path: `/payments/${payload.id}`, headers: {}, pathParameters: { id: payload.id }, query: {}, body: null, tenant };
  }
  if (payload.operation === 'listPayments') {
    const query: Record<string, string[]> = {};
    if (payload.limit !== undefined) query.limit = [String(payload.limit)];
    if (payload.startingAfter !== undefined) query.starting_after = [payload.startingAfter];
    return { method: 'GET', path: '/payments', headers: {}, pathParameters: {}, query, body: null, tenant };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (payload.idempotencyKey !== undefined) headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] = payload.idempotencyKey;
  // Safe to stringify: parseOrThrow bounded the payload's depth.
  const body = payload.payment === undefined ? null : JSON.stringify(payload.payment);
  return { method: 'POST', path: '/payments', headers, pathParameters: {}, query: {}, body, tenant };
}

export const toProxyResult = (response: HttpResponse): APIGatewayProxyResult => ({ ...response });

export function toDirectResult(response: HttpResponse): DirectResult {
  let body: unknown = response.body;
  try {
    body = response.body === '' ? null : JSON.parse(response.body);
  } catch {
    // Not JSON: hand it back as the text it is.
  }
  return { statusCode: response.statusCode, headers: response.headers, body };
}

export const isHttpError = (error: unknown): error is HttpError => error instanceof HttpError;
