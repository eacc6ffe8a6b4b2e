import type { SecretKeyLookup, SecretKeyRecord } from '../../../lambda/auth/key-store';
import { encodeHash, generateSecretKey, hashSecretKey, type KeyMode } from '../../../lambda/auth/secret-keys';

/** Key records in a Map, counting lookups: verification's unit tests need nothing more. */
export class MemoryKeys implements SecretKeyLookup {
  readonly records = new Map<string, SecretKeyRecord>();
  lookups = 0;

  async get(keyId: string): Promise<SecretKeyRecord | undefined> {
    this.lookups++;
    return this.records.get(keyId);
  }

  /** A new key of the tenant; returns its secret. */
  add(tenant: string, mode: KeyMode = 'test', extra: Partial<SecretKeyRecord> = {}): string {
    const key = generateSecretKey(mode);
    this.records.set(key.keyId, {
      keyId: key.keyId,
      tenant,
      mode: key.mode,
      prefix: key.prefix,
      secretSha256: encodeHash(hashSecretKey(key.key)),
      createdAtEpochMs: Date.now(),
      usageIdentifierKey: `usage-${tenant}-0123456789abcdef`,
      ...extra,
    });
    return key.key;
  }
}
