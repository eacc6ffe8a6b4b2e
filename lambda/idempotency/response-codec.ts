import { gunzipSync, gzipSync } from 'node:zlib';
import { HttpError, type HttpResponse, IdempotencyProblems } from './http';

/**
 * Bodies above this are stored gzipped. Write units are billed per started KB, and JSON
 * compresses several times over, so anything past a few KB is cheaper compressed.
 */
export const COMPRESS_ABOVE_BYTES = 4 * 1024;
/**
 * The most a completed record may take, by DynamoDB's item-size rules: its 400 KB item limit less
 * 1 KB, since the guide's rule for numbers is an approximation.
 */
export const MAX_RECORD_BYTES = 399 * 1024;

/** A response as it sits in the record: the body as text, or gzipped when it was large. */
export type StoredResponse = Omit<HttpResponse, 'body'> & ({ body: string } | { bodyGzip: Uint8Array });

/**
 * The handler's answer cannot be kept, so it could never be replayed. It is not released for a
 * retry (that would run the handler again, with the same result): the record completes with this
 * 500 instead, and every retry replays that.
 */
export class ResponseTooLargeError extends HttpError {
  override name = 'ResponseTooLargeError';
  constructor(recordBytes: number) {
    super(IdempotencyProblems.response_too_large, 'The result was too large to store, so it cannot be replayed.', {
      cause: new Error(`the completed record would take ${recordBytes} bytes, over ${MAX_RECORD_BYTES}`),
    });
  }
}

export function encodeResponse(response: HttpResponse): StoredResponse {
  const bytes = Buffer.byteLength(response.body, 'utf8');
  if (bytes <= COMPRESS_ABOVE_BYTES) return response;
  return { statusCode: response.statusCode, headers: response.headers, bodyGzip: gzipSync(response.body) };
}

export function decodeResponse(stored: StoredResponse): HttpResponse {
  if ('body' in stored) return stored;
  return { statusCode: stored.statusCode, headers: stored.headers, body: gunzipSync(stored.bodyGzip).toString('utf8') };
}

/** An upper bound of what the stored response adds to its item: body, header names and values, framing. */
export function roughStoredBytes(stored: StoredResponse): number {
  let bytes = 'body' in stored ? Buffer.byteLength(stored.body, 'utf8') : stored.bodyGzip.byteLength;
  for (const [name, value] of Object.entries(stored.headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(String(value)) + 2;
  return bytes + 64;
}
