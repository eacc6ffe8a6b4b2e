/**
 * The layer's HTTP front doors: REST API (and HTTP API 1.0) proxy events, HTTP API 2.0 and
 * Function URL events, ALB events, each turned into the one HttpRequest the layer works on, and
 * the answer turned back into the event's result shape (http-results.ts).
 *
 * Sources, where a format leaves a choice:
 * - HTTP API 2.0: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 *   ("Duplicate headers are combined with commas", cookies in their own field, header names lower case).
 * - Function URLs send the same 2.0 payload (@types/aws-lambda: `LambdaFunctionURLEvent = APIGatewayProxyEventV2`).
 * - ALB: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html
 *   ("If the query parameters are URL-encoded, the load balancer does not decode them").
 */
import { IDEMPOTENCY_KEY_HEADER } from './key';
import type middy from '@middy/core';
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { errorResponse, type ErrorResponseOptions, HttpError, type HttpRequest, type HttpResponse, IdempotencyProblems } from './http';
import { toEventResult } from './http-results';

export { type HttpEventResults, toEventResult } from './http-results';

export type HttpEventKind = 'rest' | 'http' | 'alb';
export type HttpEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent;

/** Idempotency-Key as the lower-cased header names of an HttpRequest spell it. */
const KEY_HEADER = IDEMPOTENCY_KEY_HEADER.toLowerCase();

/** What kind of HTTP event this is, or undefined when it is none (an SQS record, a direct payload). */
export function httpEventKind(event: unknown): HttpEventKind | undefined {
  if (!isObject(event) || !isObject(event.requestContext)) return undefined;
  const context = event.requestContext;
  if (isObject(context.elb)) return typeof event.httpMethod === 'string' ? 'alb' : undefined;
  if (event.version === '2.0' && isObject(context.http) && typeof context.http.method === 'string') return 'http';
  return typeof event.httpMethod === 'string' ? 'rest' : undefined;
}

export interface ToHttpRequestOptions {
  /**
   * Whose keys these are, read from the verified parts of the event (an authorizer's context);
   * it may throw an HttpError (a 401) to refuse the request.
   * @default () => '' (an API with one tenant)
   */
  tenant?: (event: HttpEvent) => string;
}

/**
 * The event as an HttpRequest. Throws a 400 HttpError when two different Idempotency-Key values
 * arrive or a base64 body does not decode; a TypeError when the event is no HTTP event at all.
 */
export function toHttpRequest(event: unknown, options: ToHttpRequestOptions = {}): { kind: HttpEventKind; request: HttpRequest } {
  const kind = httpEventKind(event);
  if (kind === undefined || !isObject(event)) throw new TypeError('Not a REST API, HTTP API, Function URL or ALB event.');
  const parts = kind === 'http' ? httpApiParts(event) : proxyParts(kind, event);
  const body = typeof event.body === 'string' ? decodeBody(event.body, event.isBase64Encoded === true) : null;
  const tenant = options.tenant?.(event as unknown as HttpEvent) ?? '';
  return { kind, request: { ...parts, body, tenant } };
}

type RequestParts = Pick<HttpRequest, 'method' | 'path' | 'headers' | 'pathParameters' | 'query'>;

/**
 * REST API and ALB events share their layout. REST API decodes the query and always sends both
 * header maps; ALB sends one map or the other (`multiValueHeaders` when the target group has
 * multi-value headers on; otherwise a repeated header or parameter arrives with its last value
 * only) and leaves the query percent-encoded.
 */
function proxyParts(kind: 'rest' | 'alb', event: Record<string, unknown>): RequestParts {
  const query = ownEntries(
    new Map([
      ...Object.entries(strings(event.queryStringParameters)).map(([name, value]): [string, string[]] => [name, [value]]),
      ...Object.entries(lists(event.multiValueQueryStringParameters)),
    ]),
  );
  return {
    method: String(event.httpMethod).toUpperCase(),
    // REST API: the path the client called, without the stage; on a custom domain it includes the base path.
    path: typeof event.path === 'string' ? event.path : '',
    headers: headersOf(event.headers, event.multiValueHeaders),
    pathParameters: strings(event.pathParameters),
    query: kind === 'alb' ? formDecoded(query) : query,
  };
}

/**
 * HTTP API 2.0 and Function URLs. The query comes from `rawQueryString`: `queryStringParameters`
 * joins a repeated name with commas, so `a=1&a=2` and `a=1,2` look the same there. Headers are
 * comma-joined the same way, so two Idempotency-Key headers cannot be told from one key holding a
 * comma (a legal character): the joined value goes to the key parser as it is, and the same
 * request always names the same key. `rawPath` carries a named stage (`/prod/payments`); only
 * the `$default` stage gives the bare route.
 */
function httpApiParts(event: Record<string, unknown>): RequestParts {
  const http = (event.requestContext as { http: Record<string, unknown> }).http;
  const headers = headersOf(event.headers, undefined);
  const cookies = Array.isArray(event.cookies) ? event.cookies.filter((cookie): cookie is string => typeof cookie === 'string') : [];
  // API Gateway takes Cookie headers out of `headers` and sends them as this list.
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  const rawPath = typeof event.rawPath === 'string' ? event.rawPath : http.path;
  return {
    method: String(http.method).toUpperCase(),
    path: typeof rawPath === 'string' ? rawPath : '',
    headers,
    pathParameters: strings(event.pathParameters),
    query:
      typeof event.rawQueryString === 'string'
        ? queryOf(new URLSearchParams(event.rawQueryString))
        : Object.fromEntries(Object.entries(strings(event.queryStringParameters)).map(([name, value]) => [name, [value]])),
  };
}

/**
 * Names lower-cased; a header sent several times (in either map, in any case of its name) is one
 * value joined with `, `, the multi-value map winning where both have it. Idempotency-Key is
 * kept single: two different values name no one operation and are refused, the same value twice
 * is that value.
 */
function headersOf(single: unknown, multi: unknown): Record<string, string> {
  // Maps, not objects: a header named `__proto__` or `constructor` is a header like any other.
  const fromMulti = new Map<string, string[]>();
  for (const [name, values] of Object.entries(lists(multi))) {
    if (values.length > 0) fromMulti.set(name.toLowerCase(), [...(fromMulti.get(name.toLowerCase()) ?? []), ...values]);
  }
  const headers = new Map<string, string>();
  let keyValue: string | undefined;
  const seeKey = (value: string) => {
    if (keyValue !== undefined && keyValue !== value) throw new HttpError(IdempotencyProblems.idempotency_key_invalid, 'Send exactly one Idempotency-Key header.');
    keyValue = value;
  };
  for (const [name, value] of Object.entries(strings(single))) {
    const lower = name.toLowerCase();
    if (lower === KEY_HEADER) seeKey(value);
    if (fromMulti.has(lower)) continue; // the multi-value map wins where it has the header
    const earlier = headers.get(lower);
    headers.set(lower, earlier === undefined ? value : `${earlier}, ${value}`);
  }
  for (const [lower, values] of fromMulti) {
    if (lower === KEY_HEADER) values.forEach(seeKey);
    headers.set(lower, values.join(', '));
  }
  // The one key every copy of the header named (the same value twice is that value).
  if (keyValue !== undefined) headers.set(KEY_HEADER, keyValue);
  return ownEntries(headers);
}

function queryOf(params: URLSearchParams): Record<string, string[]> {
  const query = new Map<string, string[]>();
  for (const [name, value] of params) query.set(name, [...(query.get(name) ?? []), value]);
  return ownEntries(query);
}

/**
 * ALB's names and values decoded as URLSearchParams decodes an HTTP API's `rawQueryString`
 * (application/x-www-form-urlencoded: `+` is a space, a malformed escape stays as sent), so one
 * query means the same through either door. Two names that decode alike merge.
 */
function formDecoded(query: Record<string, string[]>): Record<string, string[]> {
  const decode = (text: string) => new URLSearchParams(`=${text.replaceAll('&', '%26')}`).get('') ?? text;
  const decoded = new Map<string, string[]>();
  for (const [name, values] of Object.entries(query)) decoded.set(decode(name), [...(decoded.get(decode(name)) ?? []), ...values.map(decode)]);
  return ownEntries(decoded);
}

// fatal: bytes that are not UTF-8 must not become U+FFFD (two different bodies would then share
// a fingerprint and the second would replay the first); ignoreBOM: keep the text as sent.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text; the event sources base64-encode bodies they take for binary. */
function decodeBody(body: string, isBase64Encoded: boolean): string {
  if (!isBase64Encoded) return body;
  const bytes = Buffer.from(body, 'base64');
  // Buffer.from skips characters that are not base64; only canonical base64 round-trips.
  if (bytes.toString('base64') !== body) {
    throw new HttpError(IdempotencyProblems.invalid_body_encoding, 'The body is flagged as base64 but is not valid base64.');
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new HttpError(IdempotencyProblems.invalid_body_encoding, 'The body is not valid UTF-8.');
  }
}

export interface HttpEventsOptions extends ToHttpRequestOptions, ErrorResponseOptions {}

/**
 * The front door as a middy middleware: `before` makes the event an HttpRequest, `after` answers
 * in the event's result shape, `onError` answers a thrown error with its problem+json (a 500
 * with the generic detail for anything not an HttpError) in that shape too.
 *
 * Give it the first `.use`: middy runs `before`s in order and `after`s and `onError`s in reverse,
 * so every other middleware sees an HttpRequest, and this one maps the final answer last. A
 * middleware that answers early from `before` skips every `after`, this one's included: it
 * returns `eventResultFor(request, response)` instead of the bare HttpResponse. An event of no
 * HTTP kind fails the invocation (its error is rethrown): there is no HTTP answer to give.
 */
export function httpEvents(options: HttpEventsOptions = {}): middy.MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    name: 'httpEvents',
    before: (request) => {
      const kind = httpEventKind(request.event);
      if (kind === undefined) throw new TypeError('httpEvents: not a REST API, HTTP API, Function URL or ALB event.');
      const event = request.event;
      shapeEarlyAnswers(request, (response) => toEventResult(kind, response, event));
      request.event = toHttpRequest(event, options).request;
    },
    after: (request) => {
      if (!isHttpResponse(request.response)) throw new TypeError('httpEvents: the handler did not return an HttpResponse.');
      request.response = eventResultFor(request, request.response);
    },
    onError: (request) => {
      if (internalOf(request)[SHAPER] === undefined) return;
      const response = isHttpResponse(request.response) ? request.response : errorResponse(request.error, options);
      request.response = eventResultFor(request, response);
    },
  };
}

/**
 * The response in the shape of the event the chain's front door took in (httpEvents, or a door
 * of the caller's own that called shapeEarlyAnswers); the bare response without one.
 */
export function eventResultFor(request: { internal: object }, response: HttpResponse): unknown {
  const shape = internalOf(request)[SHAPER] as ((response: HttpResponse) => unknown) | undefined;
  return shape ? shape(response) : response;
}

const internalOf = (request: { internal: object }) => request.internal as Record<string, unknown>;

const SHAPER = '@idempotent-payments/idempotency:shape-answer';

/**
 * For a front door of the caller's own (in place of httpEvents): how an answer the idempotency
 * middleware gives from `before` (a replay) leaves the chain. middy then skips every `after`, the
 * door's too, so the middleware hands its answer to `shape` instead.
 */
export function shapeEarlyAnswers(request: { internal: object }, shape: (response: HttpResponse) => unknown): void {
  internalOf(request)[SHAPER] = shape;
}

function isHttpResponse(value: unknown): value is HttpResponse {
  return isObject(value) && typeof value.statusCode === 'number' && typeof value.body === 'string' && isObject(value.headers);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The string entries of a map from the event (the types allow `undefined` values). */
function strings(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function lists(value: unknown): Record<string, string[]> {
  if (!isObject(value)) return {};
  const entries = Object.entries(value).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]));
  return Object.fromEntries(entries.map(([name, values]) => [name, values.filter((item): item is string => typeof item === 'string')]));
}

/** A plain object from a Map: `Object.fromEntries` defines own properties, so no name reaches a prototype. */
const ownEntries = <V>(map: Map<string, V>): Record<string, V> => Object.fromEntries(map);
