import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { badRequest, payloadTooLarge, unsupportedMediaType } from './errors';
import { parseOrThrow } from './parse';
import type { HttpRequest, HttpResponse } from './types';

/** Above the largest valid payment (about 12 KB of ASCII, some 35 KB with multi-byte text), far below Lambda's 6 MB payload limit. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Parses and checks a JSON body before anything else runs, so a bad request is answered with a
 * field-level 400 without touching DynamoDB and leaves the Idempotency-Key free.
 */
export function validateJsonBody<T>(
  schema: z.ZodMiniType<T>,
  options: {
    /** Which requests carry such a body; others pass untouched. @default every request */
    appliesTo?: (request: HttpRequest) => boolean;
  } = {},
): middy.MiddlewareObj<HttpRequest, HttpResponse, Error, Context> {
  return {
    before: (request) => {
      if (options.appliesTo && !options.appliesTo(request.event)) return;
      const { body, headers } = request.event;
      if (!isJsonInUtf8(headers['content-type'])) throw unsupportedMediaType();
      if (body === null || body.trim() === '') throw badRequest('invalid_request', 'A JSON body is required.');
      if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body); // iterative in V8: no depth limit of its own, and none needed
      } catch {
        throw badRequest('invalid_json', 'The body is not valid JSON.');
      }
      // parseOrThrow refuses deep nesting and lone surrogates before the schema runs.
      request.event.parsedBody = parseOrThrow(schema, parsed, 'invalid_request', 'body');
    },
  };
}

const TOKEN = "[!#$%&'*+.^_`|~\\w-]+";
const JSON_MEDIA_TYPE = /^[\t ]*application\/(?:[\w.+-]+\+)?json[\t ]*/i;
/** One `; name=value` (RFC 9110 parameters; an empty one between semicolons is allowed). */
const PARAMETER = new RegExp(`;[\\t ]*(?:(${TOKEN})=(${TOKEN}|"(?:[^"\\\\]|\\\\.)*")[\\t ]*)?`, 'y');

/**
 * The SPEC requires `Content-Type: application/json` (or a `+json` type): without it, or with a
 * charset other than utf-8, the bytes would be read as something they may not be.
 */
export function isJsonInUtf8(contentType: string | undefined): boolean {
  const mediaType = contentType === undefined ? null : JSON_MEDIA_TYPE.exec(contentType);
  if (contentType === undefined || mediaType === null) return false;
  const charsets: string[] = [];
  for (let at = mediaType[0].length; at < contentType.length; at = PARAMETER.lastIndex) {
    PARAMETER.lastIndex = at;
    const parameter = PARAMETER.exec(contentType);
    if (!parameter) return false;
    const [, name, value] = parameter;
    if (name?.toLowerCase() === 'charset') charsets.push(value!.replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1').toLowerCase());
  }
  // JSON is UTF-8 (RFC 8259); two charsets leave it open which one was meant.
  return charsets.length === 0 || (charsets.length === 1 && charsets[0] === 'utf-8');
}
