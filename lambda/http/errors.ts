/**
 * One base class for every error that becomes an HTTP answer. `code` is stable and documented;
 * `status` is the HTTP status; `detail` is shown to the client only below 500 (server errors
 * get a generic text so nothing internal leaks).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    options: { cause?: unknown; headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail, { cause: options.cause });
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers: Record<string, string>;
  /** Extra members of the problem document, e.g. field-level `errors`. */
  readonly extensions: Record<string, unknown>;
}

export interface FieldError {
  /** Dotted path of the field, e.g. `metadata.order_id`; empty for the body itself. */
  field: string;
  message: string;
}

export const badRequest = (code: string, detail: string, errors?: FieldError[]) =>
  new HttpError(400, code, 'Bad Request', detail, errors ? { extensions: { errors } } : {});

export const notFound = (detail: string) => new HttpError(404, 'not_found', 'Not Found', detail);

export const methodNotAllowed = (allow: string[]) =>
  new HttpError(405, 'method_not_allowed', 'Method Not Allowed', `Use ${allow.join(' or ')} on this path.`, {
    headers: { Allow: allow.join(', ') },
  });

export const payloadTooLarge = (limitBytes: number) =>
  new HttpError(413, 'payload_too_large', 'Payload Too Large', `The body must not exceed ${limitBytes} bytes.`);

export const unsupportedMediaType = () =>
  new HttpError(415, 'unsupported_media_type', 'Unsupported Media Type', 'Send the body as application/json.');

export const forbidden = (detail: string) => new HttpError(403, 'forbidden', 'Forbidden', detail);

/** Seconds, rounded up and at least 1, as `Retry-After` wants them. */
export function retryAfterSeconds(delayMs: number): number {
  return Math.max(1, Math.ceil(delayMs / 1000));
}
