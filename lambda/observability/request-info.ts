import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../idempotency/key';

/**
 * What the log line says about the request, read defensively from any event (a malformed one
 * included). Only names, never values a caller controls freely: the route template rather than the
 * path (which could carry anything), no header but a valid Idempotency-Key, no body.
 */
export interface RequestInfo {
  method?: string;
  /** The API's route template (`/payments/{id}`), or the direct payload's operation. */
  route?: string;
  tenant?: string;
  /** API Gateway's request id, which its access log carries too. */
  apiRequestId?: string;
  idempotencyKey?: string;
}

const DIRECT_OPERATIONS = new Set(['createPayment', 'getPayment', 'listPayments']);
const METHOD = /^[A-Z]{3,7}$/;
/** A route template as API Gateway names resources: path segments, `{param}` and `{proxy+}`. */
const ROUTE = /^(?:[A-Z]+ )?\/[\w/{}+.-]{0,200}$/;
const MAX_TENANT_LENGTH = 256;

type Loose = Record<string, unknown> | undefined;
const objectAt = (value: unknown): Loose => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined);
const stringAt = (value: unknown, max = 1024): string | undefined => (typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined);

export function describeRequest(event: unknown): RequestInfo {
  const e = objectAt(event);
  if (!e) return {};
  const requestContext = objectAt(e.requestContext);
  // REST API (v1) proxy events name the method `httpMethod`; HTTP API (v2) events `requestContext.http.method`.
  const method = stringAt(e.httpMethod) ?? stringAt(objectAt(requestContext?.http)?.method);
  if (method === undefined) return directRequest(e);
  const info: RequestInfo = {};
  const upper = method.toUpperCase();
  if (METHOD.test(upper)) info.method = upper;
  const route = stringAt(e.resource) ?? stringAt(e.routeKey);
  if (route !== undefined && ROUTE.test(route)) info.route = route;
  // The authorizer's tenant, the function's only one; identity.apiKeyId is a usage-plan key, no tenant.
  const tenant = stringAt(objectAt(requestContext?.authorizer)?.tenant, MAX_TENANT_LENGTH);
  if (tenant !== undefined) info.tenant = tenant;
  const apiRequestId = stringAt(requestContext?.requestId, 128);
  if (apiRequestId !== undefined) info.apiRequestId = apiRequestId;
  const key = validKey(headerValue(objectAt(e.headers), IDEMPOTENCY_KEY_HEADER));
  if (key !== undefined) info.idempotencyKey = key;
  return info;
}

function directRequest(e: Record<string, unknown>): RequestInfo {
  const info: RequestInfo = {};
  const operation = stringAt(e.operation);
  info.route = operation !== undefined && DIRECT_OPERATIONS.has(operation) ? operation : 'invalid_payload';
  const tenant = stringAt(e.tenant, MAX_TENANT_LENGTH);
  if (tenant !== undefined) info.tenant = tenant;
  const key = validKey(e.idempotencyKey);
  if (key !== undefined) info.idempotencyKey = key;
  return info;
}

function headerValue(headers: Loose, name: string): unknown {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [header, value] of Object.entries(headers)) if (header.toLowerCase() === lower) return value;
  return undefined;
}

/** The key as the layer reads it, or nothing when it is not a valid one (too long, not visible ASCII). */
function validKey(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const parsed = parseIdempotencyKey(raw);
  return parsed.ok ? parsed.key : undefined;
}
