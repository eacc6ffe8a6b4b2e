import { gunzipSync, gzipSync } from 'node:zlib';
import { HttpError } from '../http/errors';
import type { HttpResponse } from '../http/types';

/**
 * Bodies above this are stored gzipped. Write units are billed per started KB, and JSON
 * compresses several times over, so anything past a few KB is cheaper compressed.
 */
export const COMPRESS_ABOVE_BYTES = 4 * 1024;
/**
 * The most a stored body may take after compression. A DynamoDB item holds 400 KB in all; the
 * rest of the record (keys, headers, timestamps) fits in the margin left.
 */
export const MAX_STORED_BODY_BYTES = 350 * 1024;

/** A response as it sits in the record: the body as text, or gzipped when it was large. */
export type StoredResponse = Omit<HttpResponse, 'body'> & ({ body: string } | { bodyGzip: Uint8Array });

/** The handler's answer cannot be kept, so it cannot be replayed: the key is released instead. */
export class ResponseTooLargeError extends HttpError {
  override name = 'ResponseTooLargeError';
  constructor(bytes: number) {
    super(500, 'response_too_large', 'Internal Server Error', '', {
      cause: new Error(`response body of ${bytes} bytes is over ${MAX_STORED_BODY_BYTES} bytes even compressed`),
    });
  }
}

export function encodeResponse(response: HttpResponse): StoredResponse {
  const bytes = Buffer.byteLength(response.body, 'utf8');
  if (bytes <= COMPRESS_ABOVE_BYTES) return response;
  const bodyGzip = gzipSync(response.body);
  if (bodyGzip.byteLength > MAX_STORED_BODY_BYTES) throw new ResponseTooLargeError(bytes);
  return { statusCode: response.statusCode, headers: response.headers, bodyGzip };
}

export function decodeResponse(stored: StoredResponse): HttpResponse {
  if ('body' in stored) return stored;
  return { statusCode: stored.statusCode, headers: stored.headers, body: gunzipSync(stored.bodyGzip).toString('utf8') };
}
