import { type FixedProblemCode, problemOf } from './problems';

/**
 * One base class for every error that becomes an HTTP answer. `code` names an entry of the
 * problem catalogue (lambda/http/problems.ts), which gives its `status` and `title`; `detail` is
 * shown to the client only below 500 (server errors get a generic text so nothing internal leaks).
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly title: string;
  constructor(
    readonly code: FixedProblemCode,
    readonly detail: string,
    options: { cause?: unknown; headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail, { cause: options.cause });
    const { status, title } = problemOf(code);
    this.status = status;
    this.title = title;
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

/** The 400s of the catalogue. */
type BadRequestCode = 'idempotency_key_missing' | 'idempotency_key_invalid' | 'invalid_json' | 'invalid_request' | 'invalid_body_encoding' | 'invalid_payload' | 'invalid_event' | 'invalid_signature';

export const badRequest = (code: BadRequestCode, detail: string, errors?: FieldError[]) => new HttpError(code, detail, errors ? { extensions: { errors } } : {});

export const notFound = (detail: string) => new HttpError('not_found', detail);

export const methodNotAllowed = (allow: string[]) =>
  new HttpError('method_not_allowed', `Use ${allow.join(' or ')} on this path.`, { headers: { Allow: allow.join(', ') } });

export const payloadTooLarge = (limitBytes: number) => new HttpError('payload_too_large', `The body must not exceed ${limitBytes} bytes.`);

export const unsupportedMediaType = () => new HttpError('unsupported_media_type', 'Send the body as application/json.');

/**
 * No verified tenant: every 401 carries `WWW-Authenticate: Bearer` (RFC 6750 section 3), whoever
 * answers it (the function, the gateway, local mode). The value is lambda/auth's
 * WWW_AUTHENTICATE_BEARER, repeated here so generic HTTP code does not import the auth room.
 */
export const unauthorized = (detail: string) => new HttpError('unauthorized', detail, { headers: { 'WWW-Authenticate': 'Bearer' } });

/** Seconds, rounded up and at least 1, as `Retry-After` wants them. */
export function retryAfterSeconds(delayMs: number): number {
  return Math.max(1, Math.ceil(delayMs / 1000));
}
