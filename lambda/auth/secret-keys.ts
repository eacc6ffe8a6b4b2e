import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secret keys, Stripe's way: `sk_test_…` or `sk_live_…`, then 48 base62 characters, the first 16
 * naming the key (its id, `key_` + those 16, public: lists and logs show it) and the last 32 the
 * secret itself. A key is one word to a double-click, a shell, a URL and a YAML file.
 *
 *   sk_test_ 4eC39HqLyjWDarjt tdOxFuRw8zkCBi6sPSBLcKJI2GtM5jw7
 *   mode     key id body      secret: 32 × log2(62) ≈ 190 bits from node:crypto randomBytes
 *
 * The key id lets verification find the one stored hash to compare with (a GetItem), instead of
 * looking the key up by its hash, so a wrong secret and a right one cost the same work.
 */
export const KeyMode = { Test: 'test', Live: 'live' } as const;
export type KeyMode = (typeof KeyMode)[keyof typeof KeyMode];

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_ID_BODY_LENGTH = 16;
const SECRET_LENGTH = 32;

/** At least the 128 bits the product promises: ⌊32 × log2 62⌋ = 190. */
export const SECRET_ENTROPY_BITS = Math.floor(SECRET_LENGTH * Math.log2(BASE62.length));

const SECRET_KEY = /^sk_(test|live)_([0-9A-Za-z]{16})[0-9A-Za-z]{32}$/;
export const KEY_ID = /^key_[0-9A-Za-z]{16}$/;
/** What a well-formed key looks like, for error messages. */
export const SECRET_KEY_FORMAT = 'sk_test_ or sk_live_ followed by 48 letters and digits';

/** A well-formed secret key, taken apart. `key` is the whole string: it is what gets hashed. */
export interface SecretKey {
  key: string;
  mode: KeyMode;
  keyId: string;
  /** The public part (`sk_test_` and the id body): what lists show, so a key seen in a config can be found. */
  prefix: string;
}

/** A new key; its secret is in `key`, shown once and never stored. */
export function generateSecretKey(mode: KeyMode, random: (size: number) => Buffer = randomBytes): SecretKey {
  const key = `sk_${mode}_${randomBase62(KEY_ID_BODY_LENGTH, random)}${randomBase62(SECRET_LENGTH, random)}`;
  return parseSecretKey(key)!;
}

export function parseSecretKey(value: string): SecretKey | undefined {
  const match = SECRET_KEY.exec(value);
  if (!match) return undefined;
  const mode = match[1] as KeyMode;
  const body = match[2]!;
  return { key: value, mode, keyId: `key_${body}`, prefix: `sk_${mode}_${body}` };
}

/** Uniform over the 62 symbols: bytes 248-255 (248 = 4 × 62) would favour the first 8, so they are drawn again. */
function randomBase62(length: number, random: (size: number) => Buffer): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random(length)) if (byte < 248 && out.length < length) out += BASE62[byte % BASE62.length];
  }
  return out;
}

/** Why an Authorization header names no key; the caller sees the same 401 for each. */
export const BearerFailure = {
  Missing: 'missing',
  /** Another scheme (`Basic …`), or a bare key without `Bearer`. */
  NotBearer: 'not_bearer',
  /** `Bearer` and something that is no secret key of ours (`pk_…`, truncated, padded, two tokens). */
  Malformed: 'malformed',
} as const;
export type BearerFailure = (typeof BearerFailure)[keyof typeof BearerFailure];

/** Far above a key's 56 characters; a longer header is refused before any parsing. */
const MAX_AUTHORIZATION_LENGTH = 1024;
const CREDENTIALS = /^([^ \t]+)(?:[ \t]+([^ \t]*))?$/;

/** `Bearer <key>` (RFC 6750 section 2.1; the scheme is case-insensitive) as a well-formed key. */
export function parseBearer(header: string | undefined): { ok: true; key: SecretKey } | { ok: false; reason: BearerFailure } {
  const value = header?.trim() ?? '';
  if (value === '') return { ok: false, reason: BearerFailure.Missing };
  if (value.length > MAX_AUTHORIZATION_LENGTH) return { ok: false, reason: BearerFailure.Malformed };
  const match = CREDENTIALS.exec(value);
  // No match: whitespace inside the token, i.e. more than one token after the scheme.
  if (!match) return { ok: false, reason: BearerFailure.Malformed };
  if (match[1]!.toLowerCase() !== 'bearer') return { ok: false, reason: BearerFailure.NotBearer };
  const key = parseSecretKey(match[2] ?? '');
  return key ? { ok: true, key } : { ok: false, reason: BearerFailure.Malformed };
}

/**
 * SHA-256 of the whole key (prefix included, so a test key's body under `sk_live_` is another
 * key). A fast hash is enough here: slow KDFs (bcrypt, scrypt, Argon2) exist to make guessing a
 * low-entropy password expensive, and this secret has 190 random bits, so a stolen hash cannot be
 * reversed by guessing at any speed. A slow KDF would only add latency and CPU to every
 * uncached authorization, and hand anyone who sends well-formed keys a way to burn it.
 */
export function hashSecretKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** How a stored hash travels in a DynamoDB item. */
export const encodeHash = (hash: Buffer): string => hash.toString('base64');
export const decodeHash = (value: string): Buffer => Buffer.from(value, 'base64');

/** The comparison verification makes; crypto.timingSafeEqual unless a test instruments it. */
export type Compare = (a: Buffer, b: Buffer) => boolean;

/** Compared with when no stored hash fits, so every well-formed key makes exactly one comparison. */
const DUMMY_HASH = hashSecretKey('no key has this hash');

/**
 * Whether the presented key's hash equals the stored one, in constant time. An unknown key id
 * (no stored hash) or a damaged stored hash is compared with a dummy of the same length: the same
 * one comparison of two 32-byte buffers either way, so response time cannot tell a caller whether
 * a key id exists. (timingSafeEqual throws on unequal lengths; the dummy also prevents that.)
 */
export function hashMatches(presented: Buffer, stored: Buffer | undefined, compare: Compare = timingSafeEqual): boolean {
  const usable = stored !== undefined && stored.length === presented.length;
  const equal = compare(presented, usable ? stored : DUMMY_HASH);
  return equal && usable;
}
