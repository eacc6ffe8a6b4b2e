/**
 * The layer's own HTTP vocabulary: the request and response it works on whatever the event
 * source (the front doors in http-events.ts turn REST API, HTTP API, Function URL and ALB events
 * into an `HttpRequest`), and the error every answer of its own is made from. Nothing here knows
 * of payments; the product builds its own catalogue on top (lambda/http/problems.ts).
 */
export interface HttpRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** The path without stage or query string, e.g. `/payments`. */
  path: string;
  /** Header names in lower case; a header sent several times is one comma-separated value. */
  headers: Record<string, string>;
  pathParameters: Record<string, string>;
  /** Query string parameters; a name sent twice keeps every value. */
  query?: Record<string, string[]>;
  /** The raw body as the client sent it (decoded from base64 when it was), or null. */
  body: string | null;
  /**
   * Whose keys these are: records of two tenants never meet, even under the same key. The API's
   * verified caller (an authorizer's principal); `''` for an API with one tenant.
   */
  tenant: string;
  /** Set by body validation: the body parsed and checked. The fingerprint is taken from it when set. */
  parsedBody?: unknown;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** The exact bytes sent to the client; replays return this string unchanged. */
  body: string;
}

export const ContentType = {
  Json: 'application/json',
  Problem: 'application/problem+json',
} as const;

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'Content-Type': ContentType.Json, ...headers }, body: JSON.stringify(body) };
}

/** What an RFC 9457 problem is before its detail: a stable code, its status and title. */
export interface Problem {
  readonly code: string;
  readonly status: number;
  /** RFC 9110's reason phrase for the status. */
  readonly title: string;
}

/**
 * The problems the layer itself answers with: the status and title of each are defined here only
 * (the product's catalogue adds its documentation to these entries, it does not restate them).
 */
export const IdempotencyProblems = {
  idempotency_key_missing: { code: 'idempotency_key_missing', status: 400, title: 'Bad Request' },
  idempotency_key_invalid: { code: 'idempotency_key_invalid', status: 400, title: 'Bad Request' },
  invalid_body_encoding: { code: 'invalid_body_encoding', status: 400, title: 'Bad Request' },
  request_in_progress: { code: 'request_in_progress', status: 409, title: 'Conflict' },
  idempotency_key_reused: { code: 'idempotency_key_reused', status: 422, title: 'Unprocessable Content' },
  internal_error: { code: 'internal_error', status: 500, title: 'Internal Server Error' },
  store_rejected: { code: 'store_rejected', status: 500, title: 'Internal Server Error' },
  response_too_large: { code: 'response_too_large', status: 500, title: 'Internal Server Error' },
  store_unavailable: { code: 'store_unavailable', status: 503, title: 'Service Unavailable' },
} as const satisfies Record<string, Problem>;

export type IdempotencyProblemCode = keyof typeof IdempotencyProblems;

export interface HttpErrorOptions {
  cause?: unknown;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  /** Extra members of the problem document, e.g. field-level `errors`. */
  extensions?: Record<string, unknown>;
}

/**
 * Every error that becomes an HTTP answer. `detail` is sent to the client as written, so word it
 * for the client: a server error given an empty detail gets the generic SERVER_ERROR_DETAIL, and
 * its cause goes to the log only. Errors that are not HttpErrors never show their message.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly code: string;
  readonly status: number;
  readonly title: string;
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers: Record<string, string>;
  /** Extra members of the problem document, e.g. field-level `errors`. */
  readonly extensions: Record<string, unknown>;
  constructor(problem: Problem, readonly detail: string, options: HttpErrorOptions = {}) {
    super(detail, { cause: options.cause });
    this.code = problem.code;
    this.status = problem.status;
    this.title = problem.title;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
}

/** Seconds, rounded up and at least 1, as `Retry-After` wants them. */
export function retryAfterSeconds(delayMs: number): number {
  return Math.max(1, Math.ceil(delayMs / 1000));
}

/** The problem `type` URI for a code, unless the caller names its own (`problemTypeOf`). */
export const DEFAULT_PROBLEM_TYPE_PREFIX = 'urn:idempotent-payments:problem:';

export interface ProblemResponseOptions {
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** @default DEFAULT_PROBLEM_TYPE_PREFIX: `type` is the prefix followed by the code */
  typePrefix?: string;
}

/** An RFC 9457 problem+json answer. */
export function problemResponse(problem: Problem, detail: string, options: ProblemResponseOptions = {}): HttpResponse {
  const { code, status, title } = problem;
  const body = { type: `${options.typePrefix ?? DEFAULT_PROBLEM_TYPE_PREFIX}${code}`, title, status, detail, code, ...options.extensions };
  return { statusCode: status, headers: { 'Content-Type': ContentType.Problem, ...options.headers }, body: JSON.stringify(body) };
}

/** The generic text of a server error: its own detail may name tables, tenants or internals. */
export const SERVER_ERROR_DETAIL = 'The server could not complete the request.';

export interface ErrorResponseOptions extends Pick<ProblemResponseOptions, 'typePrefix'> {
  /** Where server errors are told (their cause and code; never a body). @default one JSON line on stderr */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * The one place an error becomes an answer: an HttpError its own problem, anything else a 500
 * with the generic detail (the error goes to the log only).
 */
export function errorResponse(error: unknown, options: ErrorResponseOptions = {}): HttpResponse {
  const log = options.log ?? logToStderr;
  if (error instanceof HttpError) {
    if (error.status >= 500) log('request failed', { code: error.code, error: describe(error.cause ?? error) });
    const detail = error.status >= 500 && !error.detail ? SERVER_ERROR_DETAIL : error.detail;
    return problemResponse(error, detail, { extensions: error.extensions, headers: error.headers, typePrefix: options.typePrefix });
  }
  log('unexpected error', { error: describe(error) });
  return problemResponse(IdempotencyProblems.internal_error, SERVER_ERROR_DETAIL, { typePrefix: options.typePrefix });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function logToStderr(message: string, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ level: 'error', message, ...fields }));
}
