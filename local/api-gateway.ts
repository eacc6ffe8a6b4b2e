import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { AuthorizerContext } from '../lambda/auth';
import { matchResource, Resource, ROUTES } from '../lambda/shared/routes';

/** API Gateway refuses request bodies over 10 MB before calling the integration. */
export const API_GATEWAY_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

/** API Gateway gives up on a REST API integration after 29 s, whatever the function's timeout. */
export const API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 29;

const STAGE = 'local';

/** Like the ids API Gateway gives its resources. */
const RESOURCE_IDS: Record<Resource, string> = { [Resource.Payments]: 'payments', [Resource.Payment]: 'payment-id', [Resource.StripeWebhook]: 'stripe-webhook' };

export interface Route {
  /** The API Gateway resource, e.g. `/payments/{id}`. */
  resource: Resource;
  pathParameters: Record<string, string> | null;
}

/**
 * The REST API's methods (lambda/shared/routes.ts), matched on the raw path so an encoded `/`
 * stays inside the id. Anything else is what API Gateway calls a missing route (the stack maps it
 * to 404). Returns 'malformed' when the id is not valid percent-encoding.
 */
export function matchRoute(method: string, rawPath: string): Route | null | 'malformed' {
  const match = matchResource(rawPath, { decode: true });
  if (!match || !(ROUTES[match.resource].methods as readonly string[]).includes(method)) return null;
  if ('malformed' in match) return 'malformed';
  return { resource: match.resource, pathParameters: Object.keys(match.pathParameters).length > 0 ? match.pathParameters : null };
}

/** Header names as the client sent them (API Gateway keeps their case); the last value wins in `headers`. */
function collectHeaders(rawHeaders: string[]) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

/** Case-insensitive header lookup, as API Gateway does it; the last value wins. */
export function headerValue(rawHeaders: string[], name: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === name) found = rawHeaders[i + 1];
  }
  return found;
}

function collectQuery(search: URLSearchParams) {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of search) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  const empty = Object.keys(single).length === 0;
  return { single: empty ? null : single, multi: empty ? null : multi };
}

/** API Gateway's `requestTime`, e.g. `28/Nov/2025:04:31:02 +0000`. */
function requestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export interface ProxyEventInput {
  req: IncomingMessage;
  /** The path as the client sent it, without the query string. */
  rawPath: string;
  /** The query string without its `?`. */
  rawQuery: string;
  route: Route;
  body: Buffer;
  /** What the authorizer verified; absent on the webhook route, which is outside it. */
  authorizer: AuthorizerContext | undefined;
  requestId: string;
}

/**
 * The body as API Gateway hands it over: text when it is UTF-8, else base64 with
 * `isBase64Encoded`, as for a binary media type. Decoding it here would turn every invalid
 * byte into U+FFFD, and the function could no longer tell two different bodies apart.
 */
function proxyBody(body: Buffer): Pick<APIGatewayProxyEvent, 'body' | 'isBase64Encoded'> {
  if (body.length === 0) return { body: null, isBase64Encoded: false };
  if (isUtf8(body)) return { body: body.toString('utf8'), isBase64Encoded: false };
  return { body: body.toString('base64'), isBase64Encoded: true };
}

/** The REST API (v1) proxy event API Gateway would send for this request. */
export function buildProxyEvent({ req, rawPath, rawQuery, route, body, authorizer, requestId }: ProxyEventInput): APIGatewayProxyEvent {
  const { headers, multiValueHeaders } = collectHeaders(req.rawHeaders);
  const query = collectQuery(new URLSearchParams(rawQuery));
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const now = new Date();
  const method = req.method ?? 'GET';
  return {
    resource: route.resource,
    path: rawPath,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: route.pathParameters,
    stageVariables: null,
    ...proxyBody(body),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      // As API Gateway passes a REQUEST authorizer's result: its context, the principal, and how
      // long the authorizer took (0: local mode verifies in-process).
      authorizer: authorizer ? { ...authorizer, principalId: authorizer.tenant, integrationLatency: 0 } : null,
      domainName: headerValue(req.rawHeaders, 'host') ?? 'localhost',
      domainPrefix: 'localhost',
      extendedRequestId: requestId,
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        // In AWS these name the tenant's usage-plan key (for throttling only; the function never
        // reads them). Local mode has no usage plan.
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp,
        user: null,
        userAgent: headerValue(req.rawHeaders, 'user-agent') ?? null,
        userArn: null,
      },
      path: `/${STAGE}${rawPath}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: RESOURCE_IDS[route.resource],
      resourcePath: route.resource,
      stage: STAGE,
    },
  };
}

type HeaderScalar = string | number | boolean;

/** The part of a proxy result API Gateway reads; anything else makes it answer 502. */
interface ProxyResult {
  statusCode: number;
  headers?: Record<string, HeaderScalar>;
  multiValueHeaders?: Record<string, HeaderScalar[]>;
  body?: string;
  isBase64Encoded?: boolean;
}

function isProxyResult(value: unknown): value is ProxyResult {
  if (typeof value !== 'object' || value === null) return false;
  const result = value as Record<string, unknown>;
  const status = result.statusCode;
  const validStatus = typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599;
  const validBody = result.body === undefined || result.body === null || typeof result.body === 'string';
  const isRecord = (v: unknown) => v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v));
  return validStatus && validBody && isRecord(result.headers) && isRecord(result.multiValueHeaders);
}

/**
 * Writes the function's proxy result as API Gateway would: `headers` and `multiValueHeaders`
 * merged, the body decoded from base64 when flagged, JSON as the default content type.
 * Returns false, having written nothing, when the result is not a valid proxy result.
 */
export function writeProxyResult(res: ServerResponse, value: unknown, requestId: string): boolean {
  if (!isProxyResult(value)) return false;
  const headers: OutgoingHttpHeaders = {};
  const byLowerName = new Map<string, string>();
  const put = (name: string, values: HeaderScalar[]) => {
    const existing = byLowerName.get(name.toLowerCase());
    if (existing && existing !== name) delete headers[existing];
    byLowerName.set(name.toLowerCase(), name);
    headers[name] = values.length === 1 ? String(values[0]) : values.map(String);
  };
  for (const [name, values] of Object.entries(value.multiValueHeaders ?? {})) if (Array.isArray(values)) put(name, values);
  for (const [name, scalar] of Object.entries(value.headers ?? {})) put(name, [scalar]);
  if (!byLowerName.has('content-type')) headers['Content-Type'] = 'application/json';
  const text = value.body ?? '';
  const body = value.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  const bodyless = value.statusCode === 204 || value.statusCode === 304;
  if (!bodyless) headers['Content-Length'] = body.length;
  headers['x-amzn-RequestId'] = requestId;
  try {
    res.writeHead(value.statusCode, headers);
  } catch {
    // An invalid header name or value: API Gateway calls that a malformed proxy response too.
    return false;
  }
  res.end(bodyless ? undefined : body);
  return true;
}

export function newRequestId(): string {
  return randomUUID();
}
