import { parseRetryAfterMs } from './retry-after';

/** One HTTP request, built once per call and sent unchanged by every attempt. */
export interface PreparedRequest {
  method: 'GET' | 'POST';
  /** Path below the base URL, e.g. `/payments`. */
  path: string;
  headers: Record<string, string>;
  /** The exact bytes to send: serialised once, so every retry carries the same body. */
  body?: string;
}

/** How one attempt ended. A `response` was read to its end; the others got no answer. */
export type AttemptResult =
  | { kind: 'response'; status: number; headers: Headers; text: string; retryAfterMs?: number }
  | { kind: 'timeout'; timeoutMs: number; error: unknown }
  | { kind: 'network_error'; error: unknown };

export interface AttemptOptions {
  fetch: typeof fetch;
  baseUrl: string;
  timeoutMs: number;
}

/**
 * Sends the request once, under its own AbortController: the timeout covers the whole exchange,
 * body included, and an aborted attempt's connection is closed rather than reused.
 */
export async function sendOnce(request: PreparedRequest, options: AttemptOptions): Promise<AttemptResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    const response = await options.fetch(`${options.baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
    });
    const text = await response.text();
    const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'));
    return { kind: 'response', status: response.status, headers: response.headers, text, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  } catch (error) {
    if (controller.signal.aborted) return { kind: 'timeout', timeoutMs: options.timeoutMs, error };
    return { kind: 'network_error', error };
  } finally {
    clearTimeout(timer);
  }
}
