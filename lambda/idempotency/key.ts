import { HttpError, type HttpRequest, IdempotencyProblems } from './http';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const MAX_KEY_LENGTH = 255;

/** Visible ASCII only (0x21-0x7E): no spaces, controls or non-ASCII that proxies could rewrite. */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
/** An RFC 8941 sf-string: quotes around visible ASCII or spaces, with `\"` and `\\` escapes. */
const SF_STRING = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/;
/**
 * An sf-string followed by RFC 8941 parameters (`"abc";v=1`). It names no single key: dropping the
 * parameters would merge `"a";v=1` with `"a";v=2`, keeping them would split `"a"` from itself.
 */
const SF_STRING_WITH_PARAMETERS = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*" *;/;

export type KeyParseResult = { ok: true; key: string } | { ok: false; missing: boolean; reason: string };

/** Parses the header value without throwing; the quoted form `"abc"` names the same key as `abc`. */
export function parseIdempotencyKey(raw: string | undefined): KeyParseResult {
  if (raw === undefined) return { ok: false, missing: true, reason: `The ${IDEMPOTENCY_KEY_HEADER} header is required.` };
  if (SF_STRING_WITH_PARAMETERS.test(raw)) {
    return { ok: false, missing: false, reason: `The ${IDEMPOTENCY_KEY_HEADER} must be one string, without parameters, e.g. "abc".` };
  }
  const quoted = SF_STRING.exec(raw);
  const key = quoted ? quoted[1]!.replace(/\\(["\\])/g, '$1') : raw;
  if (key.length === 0) return { ok: false, missing: false, reason: `The ${IDEMPOTENCY_KEY_HEADER} header must not be empty.` };
  if (key.length > MAX_KEY_LENGTH) {
    return { ok: false, missing: false, reason: `The ${IDEMPOTENCY_KEY_HEADER} must be at most ${MAX_KEY_LENGTH} characters.` };
  }
  if (!VISIBLE_ASCII.test(key)) {
    return {
      ok: false,
      missing: false,
      reason: `The ${IDEMPOTENCY_KEY_HEADER} may contain only visible ASCII characters (0x21-0x7E), e.g. a UUID.`,
    };
  }
  return { ok: true, key };
}


const parsedKeys = new WeakMap<HttpRequest, { raw: string | undefined; result: KeyParseResult }>();

/**
 * The request's `Idempotency-Key`, parsed once per request whoever asks (the middleware, an
 * answer that echoes the key); parsed again only when the header itself changed since.
 */
export function requestKey(request: HttpRequest): KeyParseResult {
  const raw = request.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
  const parsed = parsedKeys.get(request);
  if (parsed && parsed.raw === raw) return parsed.result;
  const result = parseIdempotencyKey(raw);
  parsedKeys.set(request, { raw, result });
  return result;
}

/** The request's key, or the 400 the SPEC asks for when it is missing or invalid. */
export const requireRequestKey = (request: HttpRequest): string => keyOrThrow(requestKey(request));

/** Parses a header value or throws the 400 the SPEC asks for. */
export const requireIdempotencyKey = (raw: string | undefined): string => keyOrThrow(parseIdempotencyKey(raw));

function keyOrThrow(result: KeyParseResult): string {
  if (result.ok) return result.key;
  throw new HttpError(IdempotencyProblems[result.missing ? 'idempotency_key_missing' : 'idempotency_key_invalid'], result.reason);
}
