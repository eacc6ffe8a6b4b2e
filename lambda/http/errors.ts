import { HttpError, type HttpErrorOptions } from '../idempotency/http';
import { type FixedProblemCode, problemOf } from './problems';

/**
 * The one error base class is the idempotency layer's (lambda/idempotency/http.ts): a stable
 * `code`, its `status` and `title`, a `detail` written for the client. The product's errors
 * name an entry of its catalogue (lambda/http/problems.ts), which gives status and title.
 */
export { HttpError, retryAfterSeconds } from '../idempotency/http';

/** An error of the product's catalogue. */
export const httpError = (code: FixedProblemCode, detail: string, options?: HttpErrorOptions) => new HttpError(problemOf(code), detail, options);

export interface FieldError {
  /** Dotted path of the field, e.g. `metadata.order_id`; empty for the body itself. */
  field: string;
  message: string;
}

/** The 400s of the catalogue. */
type BadRequestCode = 'idempotency_key_missing' | 'idempotency_key_invalid' | 'invalid_json' | 'invalid_request' | 'invalid_body_encoding' | 'invalid_payload' | 'invalid_event' | 'invalid_signature';

export const badRequest = (code: BadRequestCode, detail: string, errors?: FieldError[]) => httpError(code, detail, errors ? { extensions: { errors } } : {});

export const notFound = (detail: string) => httpError('not_found', detail);

export const methodNotAllowed = (allow: string[]) =>
  httpError('method_not_allowed', `Use ${allow.join(' or ')} on this path.`, { headers: { Allow: allow.join(', ') } });

export const payloadTooLarge = (limitBytes: number) => httpError('payload_too_large', `The body must not exceed ${limitBytes} bytes.`);

export const unsupportedMediaType = () => httpError('unsupported_media_type', 'Send the body as application/json.');

/**
 * No verified tenant: every 401 carries `WWW-Authenticate: Bearer` (RFC 6750 section 3), whoever
 * answers it (the function, the gateway, local mode). The value is lambda/auth's
 * WWW_AUTHENTICATE_BEARER, repeated here so generic HTTP code does not import the auth room.
 */
export const unauthorized = (detail: string) => httpError('unauthorized', detail, { headers: { 'WWW-Authenticate': 'Bearer' } });
