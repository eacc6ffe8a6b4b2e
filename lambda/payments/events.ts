import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { badRequest, forbidden, HttpError } from '../http/errors';
import type { HttpRequest, HttpResponse } from '../http/types';
import { IDEMPOTENCY_KEY_HEADER } from '../idempotency/key';
import { DirectPayload, parseOrThrow } from './schema';

/** Longest tenant accepted, as for direct invocations; API Gateway's key ids are far shorter. */
const MAX_TENANT_LENGTH = 256;

/** The tenant of a direct invocation that names none: the operator acting for itself. */
export const DEFAULT_DIRECT_TENANT = 'default';

/** What `aws lambda invoke` gets back: the HTTP answer with its body parsed. */
export interface DirectResult {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

export type EventKind = 'proxy' | 'direct';

/** A REST API proxy event has `httpMethod`; everything else is treated as a direct payload. */
export function eventKind(event: unknown): EventKind {
  return typeof event === 'object' && event !== null && typeof (event as { httpMethod?: unknown }).httpMethod === 'string'
    ? 'proxy'
    : 'direct';
}

export function fromProxyEvent(event: APIGatewayProxyEvent): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  // Two different Idempotency-Key headers leave no way to tell which operation is meant, whatever
  // the case of their names (`Idempotency-Key` and `idempotency-key` are the same header).
  const keyValues = Object.entries(event.multiValueHeaders ?? {})
    .filter(([name]) => name.toLowerCase() === IDEMPOTENCY_KEY_HEADER.toLowerCase())
    .flatMap(([, values]) => values ?? []);
  if (new Set(keyValues).size > 1) throw badRequest('idempotency_key_invalid', `Send exactly one ${IDEMPOTENCY_KEY_HEADER} header.`);
  // API Gateway fills apiKeyId only on methods that require a key; without it the tenant is unknown.
  // An id longer than any API key names no tenant (and would not fit in a DynamoDB key).
  const tenant = event.requestContext?.identity?.apiKeyId;
  if (!tenant) throw forbidden('An API key (x-api-key) is required.');
  if (tenant.length > MAX_TENANT_LENGTH) throw forbidden('The API key (x-api-key) is not valid.');
  const body = event.body === null || event.body === undefined ? null : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return {
    method: event.httpMethod.toUpperCase(),
    path: routePath(event.resource, event.path, event.pathParameters?.id),
    headers,
    pathParameters: { ...(event.pathParameters ?? {}) } as Record<string, string>,
    body,
    tenant,
  };
}

/** The path as the API defines it (no stage, no custom-domain base path), so fingerprints are stable. */
function routePath(resource: string | undefined, path: string, id: string | undefined): string {
  if (resource === '/payments/{id}' && id !== undefined) return `/payments/${id}`;
  return resource && !resource.includes('{') ? resource : path;
}

export function fromDirectPayload(event: unknown): HttpRequest {
  const payload = parseOrThrow(DirectPayload, event, 'invalid_payload', 'payload');
  const tenant = payload.tenant ?? DEFAULT_DIRECT_TENANT;
  if (payload.operation === 'getPayment') {
    return { method: 'GET', path: `/payments/${payload.id}`, headers: {}, pathParameters: { id: payload.id }, body: null, tenant };
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (payload.idempotencyKey !== undefined) headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] = payload.idempotencyKey;
  const body = payload.payment === undefined ? null : JSON.stringify(payload.payment);
  return { method: 'POST', path: '/payments', headers, pathParameters: {}, body, tenant };
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
