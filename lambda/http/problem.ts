import type middy from '@middy/core';
import { errorResponse, problemResponse as layerProblemResponse } from '../idempotency/http';
import { type FixedProblemCode, problemOf } from './problems';
import type { HttpResponse } from './types';

export { problemType } from './problems';

/** A problem+json answer for a catalogue entry: its status and title come from the catalogue. */
export function problemFor(code: FixedProblemCode, detail: string, extensions: Record<string, unknown> = {}, headers: Record<string, string> = {}): HttpResponse {
  return layerProblemResponse(problemOf(code), detail, { extensions, headers });
}

/**
 * The one place an error becomes an RFC 9457 answer: the layer's mapping (an HttpError its own
 * problem, anything else a 500 whose detail never says more than the generic text).
 */
export const errorToResponse = (error: unknown, log?: (message: string, fields: object) => void): HttpResponse => errorResponse(error, { log });

/**
 * The one `onError` that turns an error into its problem+json answer, for every chain of the
 * product (the payments function, the webhook, the recovery worker's re-drive).
 */
export const problemAnswers = (): middy.MiddlewareObj<unknown, unknown> => ({
  onError: (request) => {
    request.response = errorToResponse(request.error);
  },
});
