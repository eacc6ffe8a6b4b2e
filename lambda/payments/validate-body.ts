import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { badRequest, payloadTooLarge, unsupportedMediaType } from '../http/errors';
import type { HttpRequest, HttpResponse } from '../http/types';
import { parseOrThrow } from './schema';

/** Far above the largest valid payment (about 12 KB), far below Lambda's 6 MB payload limit. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Parses and checks a JSON body before anything else runs, so a bad request is answered with a
 * field-level 400 without touching DynamoDB and leaves the Idempotency-Key free.
 */
export function validateJsonBody<T>(schema: z.ZodMiniType<T>): middy.MiddlewareObj<HttpRequest, HttpResponse, Error, Context> {
  return {
    before: (request) => {
      const { body, headers } = request.event;
      const contentType = headers['content-type'];
      if (contentType !== undefined && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) throw unsupportedMediaType();
      if (body === null || body.trim() === '') throw badRequest('invalid_request', 'A JSON body is required.');
      if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) throw payloadTooLarge(MAX_BODY_BYTES);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        throw badRequest('invalid_json', 'The body is not valid JSON.');
      }
      request.event.parsedBody = parseOrThrow(schema, parsed, 'invalid_request', 'body');
    },
  };
}
