import { HttpError } from './errors';
import { ContentType, type HttpResponse } from './types';

const PROBLEM_TYPE_PREFIX = 'urn:idempotent-payments:problem:';

/** The problem `type` URI for a stable error code. */
export const problemType = (code: string) => `${PROBLEM_TYPE_PREFIX}${code}`;

export function problemResponse(
  status: number,
  code: string,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpResponse {
  const body = { type: problemType(code), title, status, detail, code, ...extensions };
  return { statusCode: status, headers: { 'Content-Type': ContentType.Problem, ...headers }, body: JSON.stringify(body) };
}

/**
 * The one place an error becomes an RFC 9457 answer. Unknown errors are 500s with a generic
 * detail: their message may name tables, tenants or internals, so it goes to the log only.
 */
export function errorToResponse(error: unknown, log: (message: string, fields: object) => void = logError): HttpResponse {
  if (error instanceof HttpError) {
    if (error.status >= 500) log('request failed', { code: error.code, error: describe(error.cause ?? error) });
    const detail = error.status >= 500 && !error.detail ? 'The server could not complete the request.' : error.detail;
    return problemResponse(error.status, error.code, error.title, detail, error.extensions, error.headers);
  }
  log('unexpected error', { error: describe(error) });
  return problemResponse(500, 'internal_error', 'Internal Server Error', 'The server could not complete the request.');
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function logError(message: string, fields: object): void {
  console.error(JSON.stringify({ level: 'error', message, ...fields }));
}
