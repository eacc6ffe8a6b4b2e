import { randomBytes } from 'node:crypto';
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AUTH_TENANTS_KEY, KeyPrefix, TableSchema } from '../shared/table';
import { AuthError, AuthErrorCode } from './errors';
import { encodeHash, generateSecretKey, hashSecretKey, KEY_ID, KeyMode, type SecretKey } from './secret-keys';
import { isTenantId, TENANT_ID_RULE } from './tenant';

/**
 * Secret keys live in the one table, as three kinds of item (lambda/shared/table.ts):
 *
 *   auth#key#<key id>     the key: tenant, mode, SHA-256 of the secret, created/revoked times,
 *                         the tenant's usage-plan key. The only item the authorizer reads (GetItem).
 *   auth#tenant#<tenant>  the tenant's key ids and its usage-plan key: `list <tenant>` is one
 *                         GetItem and one BatchGetItem, never a scan of a table full of payments.
 *   auth#tenants          every tenant that has a key: `list` without a tenant. One item holds
 *                         some 6,000 tenant ids of 64 characters (400 KB); keys are made by hand.
 *
 * A key is created with its two index entries in one transaction, so a list never misses a key
 * that verifies. Revocation sets `revokedAtEpochMs` once; a key item is never deleted (the audit
 * trail) and carries no TTL attribute.
 */
export interface SecretKeyRecord {
  keyId: string;
  tenant: string;
  mode: KeyMode;
  /** `sk_test_` and the id body: the public part of the key. */
  prefix: string;
  /** Base64 SHA-256 of the whole key; the secret itself is never stored. */
  secretSha256: string;
  createdAtEpochMs: number;
  /** Set once, by the first revocation; the key is refused from then on. */
  revokedAtEpochMs?: number;
  /** The tenant's API Gateway API key value, for per-tenant throttling (see authorizer.ts). */
  usageIdentifierKey?: string;
}

/** What lists show: no hash, no usage-plan key. */
export type SecretKeySummary = Omit<SecretKeyRecord, 'secretSha256' | 'usageIdentifierKey'>;

/** All verification needs: one read by key id. */
export interface SecretKeyLookup {
  get(keyId: string): Promise<SecretKeyRecord | undefined>;
}

export interface CreatedKey {
  /** The whole secret key: show it once, it cannot be read back. */
  secret: string;
  key: SecretKeySummary;
  /** The tenant's usage-plan key, and whether this call gave the tenant its first one. */
  usageIdentifierKey: string;
  newTenant: boolean;
}

/** What seeding a given key did: stored it, found it stored already, or found it revoked (it stays so). */
export type SeedOutcome = 'created' | 'existing' | 'revoked';

export interface SecretKeyStore extends SecretKeyLookup {
  create(tenant: string, mode: KeyMode, nowEpochMs: number): Promise<CreatedKey>;
  /** Stores a key whose secret the caller chose (local mode's LOCAL_API_KEYS); the same key again is a no-op. */
  seed(tenant: string, key: SecretKey, nowEpochMs: number): Promise<SeedOutcome>;
  /** The tenant's keys, or every tenant's, oldest first per tenant. */
  list(tenant?: string): Promise<SecretKeySummary[]>;
  /** Revoking a revoked key changes nothing and is no error; an unknown id is. */
  revoke(keyId: string, nowEpochMs: number): Promise<{ key: SecretKeySummary; alreadyRevoked: boolean }>;
}

const PK = TableSchema.partitionKey;
const keyItemKey = (keyId: string) => ({ [PK]: `${KeyPrefix.SecretKey}${keyId}` });
const tenantItemKey = (tenant: string) => ({ [PK]: `${KeyPrefix.TenantKeys}${tenant}` });
const registryKey = { [PK]: AUTH_TENANTS_KEY };

/**
 * Racing creations (for one new tenant, or any two at once: all of them add to the registry
 * item): the loser waits a moment, reads the winner's usage-plan key and tries again.
 */
const MAX_CREATE_ATTEMPTS = 5;
/** BatchGetItem's limit per request. */
const BATCH_SIZE = 100;

/** An API Gateway API key value: 40 hex digits (API Gateway wants at least 20 characters). */
const newUsageIdentifierKey = () => randomBytes(20).toString('hex');

export class DynamoSecretKeyStore implements SecretKeyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(keyId: string): Promise<SecretKeyRecord | undefined> {
    // Anything else names no key: no request for it.
    if (!KEY_ID.test(keyId)) return undefined;
    // Strongly consistent: a revocation is seen by the very next uncached verification.
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keyItemKey(keyId), ConsistentRead: true }));
    return Item ? toRecord(Item) : undefined;
  }

  async create(tenant: string, mode: KeyMode, nowEpochMs: number): Promise<CreatedKey> {
    assertTenant(tenant);
    for (let attempt = 1; ; attempt++) {
      const key = generateSecretKey(mode);
      const outcome = await this.insert(tenant, key, nowEpochMs);
      if (outcome.kind === 'created') return { secret: key.key, key: summary(outcome.record), usageIdentifierKey: outcome.record.usageIdentifierKey!, newTenant: outcome.newTenant };
      // A 95-bit key id taken (never seen), or a racing creation: try again.
      if (attempt >= MAX_CREATE_ATTEMPTS) throw new Error(`Could not create a key for tenant ${tenant}: ${outcome.kind} on ${attempt} attempts`);
    }
  }

  async seed(tenant: string, key: SecretKey, nowEpochMs: number): Promise<SeedOutcome> {
    assertTenant(tenant);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.insert(tenant, key, nowEpochMs);
      if (outcome.kind === 'created') return 'created';
      if (outcome.kind === 'key_exists') {
        const existing = await this.get(key.keyId);
        if (!existing || existing.tenant !== tenant || existing.secretSha256 !== encodeHash(hashSecretKey(key.key))) {
          throw new AuthError(AuthErrorCode.KeyConflict, `Key ${key.keyId} already exists with another secret or for another tenant than ${tenant}.`);
        }
        return existing.revokedAtEpochMs === undefined ? 'existing' : 'revoked';
      }
      if (attempt >= MAX_CREATE_ATTEMPTS) throw new Error(`Could not seed key ${key.keyId} of tenant ${tenant}: ${outcome.kind} on ${attempt} attempts`);
    }
  }

  /**
   * The key item and its two index entries in one transaction. The tenant keeps one usage-plan
   * key for all its keys (so rotation keeps its throttle); whoever creates its first key picks it,
   * and the condition on the tenant item makes a racing creation read it instead of replacing it.
   */
  private async insert(tenant: string, key: SecretKey, nowEpochMs: number): Promise<
    { kind: 'created'; record: SecretKeyRecord; newTenant: boolean } | { kind: 'key_exists' } | { kind: 'raced' }
  > {
    const { Item: tenantItem } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: tenantItemKey(tenant), ConsistentRead: true }));
    const known = typeof tenantItem?.usageIdentifierKey === 'string' ? (tenantItem.usageIdentifierKey as string) : undefined;
    const usageIdentifierKey = known ?? newUsageIdentifierKey();
    const record: SecretKeyRecord = {
      keyId: key.keyId,
      tenant,
      mode: key.mode,
      prefix: key.prefix,
      secretSha256: encodeHash(hashSecretKey(key.key)),
      createdAtEpochMs: nowEpochMs,
      usageIdentifierKey,
    };
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            // A new key id only: a key is never overwritten (its hash, tenant or revocation).
            { Put: { TableName: this.tableName, Item: { ...keyItemKey(key.keyId), kind: 'secret_key', ...record }, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } } },
            {
              Update: {
                TableName: this.tableName,
                Key: tenantItemKey(tenant),
                UpdateExpression: 'SET kind = :kind, tenant = :tenant, usageIdentifierKey = :usage, createdAtEpochMs = if_not_exists(createdAtEpochMs, :now) ADD keyIds :ids',
                // The usage-plan key read above is still the tenant's (or the tenant is still new).
                ConditionExpression: known === undefined ? 'attribute_not_exists(usageIdentifierKey)' : 'usageIdentifierKey = :usage',
                ExpressionAttributeValues: { ':kind': 'secret_key_tenant', ':tenant': tenant, ':usage': usageIdentifierKey, ':now': nowEpochMs, ':ids': new Set([key.keyId]) },
              },
            },
            { Update: { TableName: this.tableName, Key: registryKey, UpdateExpression: 'SET kind = :kind ADD tenants :tenants', ExpressionAttributeValues: { ':kind': 'secret_key_tenants', ':tenants': new Set([tenant]) } } },
          ],
        }),
      );
      return { kind: 'created', record, newTenant: known === undefined };
    } catch (error) {
      const reasons = (error as { name?: string; CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
      if ((error as Error).name !== 'TransactionCanceledException' || !reasons) throw error;
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return { kind: 'key_exists' };
      if (reasons[1]?.Code === 'ConditionalCheckFailed') return { kind: 'raced' };
      // Another creation's transaction held one of the items (the registry item is in all of them).
      if (reasons.some((reason) => reason.Code === 'TransactionConflict')) {
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
        return { kind: 'raced' };
      }
      throw error;
    }
  }

  async list(tenant?: string): Promise<SecretKeySummary[]> {
    if (tenant !== undefined) assertTenant(tenant);
    const tenants = tenant !== undefined ? [tenant] : [...stringSet((await this.getItem(registryKey))?.tenants)];
    const tenantItems = await this.batchGet(tenants.map(tenantItemKey));
    const keyIds = tenantItems.flatMap((item) => [...stringSet(item.keyIds)]);
    const records = (await this.batchGet(keyIds.map(keyItemKey))).map(toRecord).filter((record) => record !== undefined);
    return records
      .sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : a.createdAtEpochMs - b.createdAtEpochMs || (a.keyId < b.keyId ? -1 : 1)))
      .map(summary);
  }

  async revoke(keyId: string, nowEpochMs: number): Promise<{ key: SecretKeySummary; alreadyRevoked: boolean }> {
    const unknown = () => new AuthError(AuthErrorCode.UnknownKey, `No key ${keyId}.`);
    if (!KEY_ID.test(keyId)) throw unknown();
    try {
      // The first revocation's time is kept: revoking again is a no-op, not a new date.
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyItemKey(keyId),
          UpdateExpression: 'SET revokedAtEpochMs = if_not_exists(revokedAtEpochMs, :now)',
          // An existing key only: an unguarded update would create a key item from nothing.
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':now': nowEpochMs },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const old = Attributes ? toRecord(Attributes) : undefined;
      if (!old) throw new Error(`Key item ${keyId} is damaged`);
      return { key: summary({ ...old, revokedAtEpochMs: old.revokedAtEpochMs ?? nowEpochMs }), alreadyRevoked: old.revokedAtEpochMs !== undefined };
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') throw unknown();
      throw error;
    }
  }

  private async getItem(key: Record<string, string>) {
    return (await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
  }

  /** Every item of these keys that exists, in no particular order; retries what DynamoDB left unprocessed. */
  private async batchGet(keys: Array<Record<string, string>>): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    for (let start = 0; start < keys.length; start += BATCH_SIZE) {
      let pending: Array<Record<string, unknown>> = keys.slice(start, start + BATCH_SIZE);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
        const answer = await this.client.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true } } }));
        items.push(...(answer.Responses?.[this.tableName] ?? []));
        pending = answer.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return items;
  }
}

function assertTenant(tenant: string): void {
  if (!isTenantId(tenant)) throw new AuthError(AuthErrorCode.InvalidTenant, `Not a tenant id: ${JSON.stringify(tenant)} (${TENANT_ID_RULE}).`);
}

const stringSet = (value: unknown): Set<string> => (value instanceof Set ? (value as Set<string>) : new Set());

/** An item as a record, or undefined when it is not a whole key item: verification then treats it as no key. */
function toRecord(item: Record<string, unknown>): SecretKeyRecord | undefined {
  const { keyId, tenant, mode, prefix, secretSha256, createdAtEpochMs, revokedAtEpochMs, usageIdentifierKey } = item;
  if (typeof keyId !== 'string' || typeof tenant !== 'string' || typeof prefix !== 'string' || typeof secretSha256 !== 'string') return undefined;
  if ((mode !== KeyMode.Test && mode !== KeyMode.Live) || typeof createdAtEpochMs !== 'number') return undefined;
  return {
    keyId,
    tenant,
    mode,
    prefix,
    secretSha256,
    createdAtEpochMs,
    ...(typeof revokedAtEpochMs === 'number' ? { revokedAtEpochMs } : {}),
    ...(typeof usageIdentifierKey === 'string' ? { usageIdentifierKey } : {}),
  };
}

function summary(record: SecretKeyRecord): SecretKeySummary {
  const { secretSha256: _hash, usageIdentifierKey: _usage, ...rest } = record;
  return rest;
}
