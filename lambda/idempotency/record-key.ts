import { createHash } from 'node:crypto';

/**
 * 128 bits of SHA-256 over an injective encoding of (tenant, key), as 32 hex digits. The record's
 * partition key is built from it, so it has a fixed size whatever the tenant and key hold, and a
 * handler may derive a public id from it (the payment id) that leads straight back to the record.
 * A collision is not trusted blindly: the record carries its tenant and key, and a claim that
 * finds another pair under the same digest refuses it.
 */
export function keyDigest(tenant: string, key: string): string {
  // JSON string encoding escapes quotes and backslashes, so the boundary between the two parts is
  // unambiguous: tenant `a","b` with key `c` is not tenant `a` with key `b","c`.
  return createHash('sha256').update(JSON.stringify([tenant, key])).digest('hex').slice(0, 32);
}

export const KEY_DIGEST = /^[0-9a-f]{32}$/;
