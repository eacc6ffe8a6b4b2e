/**
 * The request and response shapes the middlewares work on, whatever the event source: a REST API
 * proxy event and a direct-invocation payload are both turned into an `HttpRequest` first.
 */
export interface HttpRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** The path without stage or query string, e.g. `/payments`. */
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  pathParameters: Record<string, string>;
  /** Query string parameters; a name sent twice keeps every value. */
  query?: Record<string, string[]>;
  /** The raw body as the client sent it (decoded from base64 when it was), or null. */
  body: string | null;
  /** Who is calling: the tenant the authorizer verified behind API Gateway, or the direct payload's tenant. */
  tenant: string;
  /** Set by body validation: the body parsed and checked against its schema. */
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
