import { timingSafeEqual } from 'node:crypto';
import type { SecretKeyLookup } from './key-store';
import { BearerFailure, type Compare, decodeHash, hashMatches, hashSecretKey, parseBearer } from './secret-keys';

/** Why a request was refused: for the log line only, the caller gets the same 401 for each. */
export const AuthFailure = {
  ...BearerFailure,
  /** Well-formed, but no key has its id. */
  UnknownKey: 'unknown_key',
  /** The key id exists, the secret is not its. */
  WrongSecret: 'wrong_secret',
  /** The key id exists under the other prefix (a test key sent as `sk_live_…`, or the reverse). */
  WrongMode: 'wrong_mode',
  Revoked: 'revoked',
} as const;
export type AuthFailure = (typeof AuthFailure)[keyof typeof AuthFailure];

export type Verification =
  | { ok: true; tenant: string; keyId: string; usageIdentifierKey?: string }
  | { ok: false; reason: AuthFailure; keyId?: string };

export interface VerifyOptions {
  /** The one constant-time comparison; a test instruments it. @default crypto.timingSafeEqual */
  compare?: Compare;
}

/**
 * `Authorization: Bearer <key>` to a tenant. The authorizer and local mode both call this, so a
 * key means the same in AWS and on a laptop. `header` is the header's value, or all its values
 * (headers.ts collects them from an event or from Node's raw headers). A malformed header is refused before any lookup;
 * every well-formed key then takes the same path, whatever is wrong with it: one GetItem, one
 * SHA-256, one comparison of two 32-byte hashes (against a dummy when the id is unknown), and only
 * then the verdict, so timing tells no caller whether a key id exists or how close a guess was.
 * Revocation is read from the item (present or not) rather than compared with a clock, so an
 * operator's skewed clock cannot delay it.
 */
export async function verifyBearer(header: string | readonly string[] | undefined, store: SecretKeyLookup, options: VerifyOptions = {}): Promise<Verification> {
  // Two different Authorization values leave no way to tell which key is meant.
  const values = typeof header === 'string' ? [header] : [...new Set(header ?? [])];
  if (values.length > 1) return { ok: false, reason: AuthFailure.Malformed };
  const parsed = parseBearer(values[0]);
  if (!parsed.ok) return parsed;
  const { key } = parsed;
  const record = await store.get(key.keyId);
  const matches = hashMatches(hashSecretKey(key.key), record ? decodeHash(record.secretSha256) : undefined, options.compare ?? timingSafeEqual);
  if (!record) return { ok: false, reason: AuthFailure.UnknownKey, keyId: key.keyId };
  if (!matches) return { ok: false, reason: record.mode === key.mode ? AuthFailure.WrongSecret : AuthFailure.WrongMode, keyId: key.keyId };
  if (record.revokedAtEpochMs !== undefined) return { ok: false, reason: AuthFailure.Revoked, keyId: key.keyId };
  return { ok: true, tenant: record.tenant, keyId: record.keyId, ...(record.usageIdentifierKey ? { usageIdentifierKey: record.usageIdentifierKey } : {}) };
}
