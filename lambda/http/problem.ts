import { HttpError } from './errors';
import { type FixedProblemCode, problemOf, problemType } from './problems';
import { ContentType, type HttpResponse } from './types';

export { problemType } from './problems';

/** A problem+json answer for a catalogue entry: its status and title come from the catalogue. */
export function problemFor(code: FixedProblemCode, detail: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}): HttpResponse {
  const { status, title } = problemOf(code);
  return problemResponse(status, code, title, detail, extensions, headers);
}

export function problemResponse(
  status: number,
  code: FixedProblemCode,
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
  return problemFor('internal_error', 'The server could not complete the request.');
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function logError(message: string, fields: object): void {
  console.error(JSON.stringify({ level: 'error', message, ...fields }));
}
