import { AuthError, AuthErrorCode } from './errors';
import type { SecretKeyStore, SeedOutcome } from './key-store';
import { KeyMode, parseSecretKey, type SecretKey, SECRET_KEY_FORMAT } from './secret-keys';
import { isTenantId, LOCAL_DEV_TENANT, TENANT_ID_RULE } from './tenant';

/** One `tenant=secret` of LOCAL_API_KEYS. */
export interface LocalKeySeed {
  tenant: string;
  key: SecretKey;
}

/**
 * `LOCAL_API_KEYS="acme=sk_test_…,globex=sk_test_…"` as seeds. The secrets go through the same
 * format check as a bearer key (they are verified by the same code), and an error names the
 * entry and the tenant, never the secret. Empty entries (a trailing comma) are skipped; two
 * tenants cannot share a key.
 */
export function parseLocalApiKeys(raw: string): { ok: true; seeds: LocalKeySeed[] } | { ok: false; message: string } {
  const seeds: LocalKeySeed[] = [];
  const owners = new Map<string, string>();
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const [index, entry] of entries.entries()) {
    if (entry === '') continue;
    const where = `LOCAL_API_KEYS entry ${index + 1}`;
    const eq = entry.indexOf('=');
    if (eq < 0) return { ok: false, message: `${where} is not tenant=secret.` };
    const tenant = entry.slice(0, eq).trim();
    if (!isTenantId(tenant)) return { ok: false, message: `${where}: ${JSON.stringify(tenant)} is not a tenant id (${TENANT_ID_RULE}).` };
    const key = parseSecretKey(entry.slice(eq + 1).trim());
    if (!key) return { ok: false, message: `${where} (tenant ${tenant}): the secret is not a secret key (${SECRET_KEY_FORMAT}; \`npm run keys -- create ${tenant}\` makes one).` };
    const owner = owners.get(key.keyId);
    if (owner !== undefined && owner !== tenant) return { ok: false, message: `${where}: key ${key.keyId} is given to both ${owner} and ${tenant}.` };
    owners.set(key.keyId, tenant);
    seeds.push({ tenant, key });
  }
  return { ok: true, seeds };
}

/** What local mode has to say about its keys at start (the banner). */
export type LocalKeys =
  | { source: 'seeded'; keys: Array<{ tenant: string; keyId: string; prefix: string; outcome: SeedOutcome }> }
  /** The dev key: its secret only when it was created by this start (it is shown once). */
  | { source: 'dev'; tenant: typeof LOCAL_DEV_TENANT; keyId: string; prefix: string; secret?: string };

/**
 * Local mode's keys at start: the seeds when there are any (stored if new; a revoked one stays
 * revoked), else the dev key of `local-dev`, created on the first start (and on any start that
 * finds none of its keys active). Its secret is printed that once: only its hash is kept, as for
 * any key; a later start shows its prefix, and `npm run keys -- create local-dev` makes another.
 */
export async function prepareLocalKeys(store: SecretKeyStore, seeds: readonly LocalKeySeed[] | undefined, nowEpochMs: number): Promise<LocalKeys> {
  if (seeds && seeds.length > 0) {
    const keys = [];
    for (const { tenant, key } of seeds) {
      try {
        keys.push({ tenant, keyId: key.keyId, prefix: key.prefix, outcome: await store.seed(tenant, key, nowEpochMs) });
      } catch (error) {
        if (error instanceof AuthError && error.code === AuthErrorCode.KeyConflict) throw new AuthError(error.code, `LOCAL_API_KEYS (tenant ${tenant}): ${error.message}`, { cause: error });
        throw error;
      }
    }
    return { source: 'seeded', keys };
  }
  const active = (await store.list(LOCAL_DEV_TENANT)).filter((key) => key.revokedAtEpochMs === undefined);
  const newest = active[active.length - 1];
  if (newest) return { source: 'dev', tenant: LOCAL_DEV_TENANT, keyId: newest.keyId, prefix: newest.prefix };
  const created = await store.create(LOCAL_DEV_TENANT, KeyMode.Test, nowEpochMs);
  return { source: 'dev', tenant: LOCAL_DEV_TENANT, keyId: created.key.keyId, prefix: created.key.prefix, secret: created.secret };
}
