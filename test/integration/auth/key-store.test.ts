import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { AuthError, AuthErrorCode } from '../../../lambda/auth/errors';
import { DynamoSecretKeyStore } from '../../../lambda/auth/key-store';
import { prepareLocalKeys } from '../../../lambda/auth/local-keys';
import { encodeHash, generateSecretKey, hashSecretKey, KeyMode } from '../../../lambda/auth/secret-keys';
import { AuthFailure, verifyBearer } from '../../../lambda/auth/verify';
import { KeyPrefix, TableSchema } from '../../../lambda/shared/table';
import { createTestTable, type TestTable } from '../../helpers/dynamo';

let table: TestTable;
let store: DynamoSecretKeyStore;
const now = () => Date.now();

beforeAll(async () => {
  table = await createTestTable('auth-keys');
  store = new DynamoSecretKeyStore(DynamoDBDocumentClient.from(table.client), table.tableName);
});
afterAll(() => table.drop());

async function allItems() {
  const { Items = [] } = await table.client.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }));
  return Items.map((item) => unmarshall(item));
}

describe('the DynamoDB key store', () => {
  test('create returns the secret once; the table keeps its SHA-256 only', async () => {
    const created = await store.create('store-a', KeyMode.Test, now());
    expect(created.secret).toMatch(/^sk_test_[0-9A-Za-z]{48}$/);
    expect(created.newTenant).toBe(true);
    const record = await store.get(created.key.keyId);
    expect(record).toMatchObject({ keyId: created.key.keyId, tenant: 'store-a', mode: 'test', prefix: created.secret.slice(0, 24) });
    expect(record!.secretSha256).toBe(encodeHash(hashSecretKey(created.secret)));
    expect(record).not.toHaveProperty('revokedAtEpochMs');
    const stored = JSON.stringify(await allItems());
    expect(stored).not.toContain(created.secret.slice(-32));
  });

  test('key items have their own partition key prefix, and carry no TTL: TTL never deletes a key', async () => {
    const { key } = await store.create('store-b', KeyMode.Live, now());
    const items = await allItems();
    const item = items.find((i) => i.keyId === key.keyId && i[TableSchema.partitionKey].startsWith(KeyPrefix.SecretKey));
    expect(item![TableSchema.partitionKey]).toBe(`${KeyPrefix.SecretKey}${key.keyId}`);
    expect(item).not.toHaveProperty(TableSchema.ttlAttribute);
    for (const index of [TableSchema.paymentsIndex, TableSchema.recoveryIndex]) expect(item).not.toHaveProperty(index.partitionKey);
  });

  test('a tenant keeps one usage-plan key across its keys; another tenant has its own', async () => {
    const first = await store.create('store-c', KeyMode.Test, now());
    const second = await store.create('store-c', KeyMode.Test, now());
    const other = await store.create('store-d', KeyMode.Test, now());
    expect(second.newTenant).toBe(false);
    expect(second.usageIdentifierKey).toBe(first.usageIdentifierKey);
    expect(first.usageIdentifierKey).toMatch(/^[0-9a-f]{40}$/);
    expect(other.usageIdentifierKey).not.toBe(first.usageIdentifierKey);
    expect((await store.get(second.key.keyId))!.usageIdentifierKey).toBe(first.usageIdentifierKey);
  });

  test('concurrent first keys of a new tenant still end with one usage-plan key', async () => {
    const created = await Promise.all(Array.from({ length: 4 }, () => store.create('store-race', KeyMode.Test, now())));
    const usage = new Set(await Promise.all(created.map(async ({ key }) => (await store.get(key.keyId))!.usageIdentifierKey)));
    expect(usage.size).toBe(1);
    expect((await store.list('store-race')).length).toBe(4);
  });

  test('list shows a tenant its keys, oldest first, without hash or usage-plan key; list without a tenant shows all', async () => {
    const a1 = await store.create('list-a', KeyMode.Test, 1_000);
    const a2 = await store.create('list-a', KeyMode.Live, 2_000);
    const b1 = await store.create('list-b', KeyMode.Test, 1_500);
    const listA = await store.list('list-a');
    expect(listA).toEqual([
      { keyId: a1.key.keyId, tenant: 'list-a', mode: 'test', prefix: a1.key.prefix, createdAtEpochMs: 1_000 },
      { keyId: a2.key.keyId, tenant: 'list-a', mode: 'live', prefix: a2.key.prefix, createdAtEpochMs: 2_000 },
    ]);
    const all = await store.list();
    expect(all.map((key) => key.keyId)).toEqual(expect.arrayContaining([a1.key.keyId, a2.key.keyId, b1.key.keyId]));
    // Sorted by tenant, then creation.
    const tenants = all.map((key) => key.tenant);
    expect(tenants).toEqual([...tenants].sort());
    expect(await store.list('list-nobody')).toEqual([]);
  });

  test('revoke is conditional: the first revocation counts, a second changes nothing, an unknown id is an error', async () => {
    const { key } = await store.create('store-e', KeyMode.Test, now());
    const first = await store.revoke(key.keyId, 5_000);
    expect(first).toEqual({ key: expect.objectContaining({ keyId: key.keyId, revokedAtEpochMs: 5_000 }), alreadyRevoked: false });
    const second = await store.revoke(key.keyId, 9_000);
    expect(second).toEqual({ key: expect.objectContaining({ revokedAtEpochMs: 5_000 }), alreadyRevoked: true });
    expect((await store.get(key.keyId))!.revokedAtEpochMs).toBe(5_000);

    const unknown = generateSecretKey(KeyMode.Test).keyId;
    await expect(store.revoke(unknown, now())).rejects.toMatchObject({ code: AuthErrorCode.UnknownKey });
    await expect(store.revoke('not-a-key-id', now())).rejects.toBeInstanceOf(AuthError);
    // The failed revocation created nothing.
    expect(await store.get(unknown)).toBeUndefined();
  });

  test('create refuses a tenant id outside the safe characters', async () => {
    await expect(store.create('Acme Corp', KeyMode.Test, now())).rejects.toMatchObject({ code: AuthErrorCode.InvalidTenant });
  });

  test('seeding is idempotent, keeps a revocation, and refuses a key id taken by another secret or tenant', async () => {
    const key = generateSecretKey(KeyMode.Test);
    expect(await store.seed('seed-a', key, now())).toBe('created');
    expect(await store.seed('seed-a', key, now())).toBe('existing');
    await expect(store.seed('seed-b', key, now())).rejects.toMatchObject({ code: AuthErrorCode.KeyConflict });
    const sameIdOtherSecret = { ...key, key: `${key.prefix}${'Z'.repeat(32)}` };
    await expect(store.seed('seed-a', sameIdOtherSecret, now())).rejects.toMatchObject({ code: AuthErrorCode.KeyConflict });
    await store.revoke(key.keyId, now());
    expect(await store.seed('seed-a', key, now())).toBe('revoked');
    expect(await verifyBearer(`Bearer ${key.key}`, store)).toMatchObject({ ok: false, reason: AuthFailure.Revoked });
  });
});

describe('rotation', () => {
  test('two keys of one tenant verify at once; a revoked one is refused on its next use, the other goes on', async () => {
    const old = await store.create('rotating', KeyMode.Test, now());
    const fresh = await store.create('rotating', KeyMode.Test, now());
    expect(await verifyBearer(`Bearer ${old.secret}`, store)).toMatchObject({ ok: true, tenant: 'rotating', keyId: old.key.keyId });
    expect(await verifyBearer(`Bearer ${fresh.secret}`, store)).toMatchObject({ ok: true, tenant: 'rotating', keyId: fresh.key.keyId });
    await store.revoke(old.key.keyId, now());
    expect(await verifyBearer(`Bearer ${old.secret}`, store)).toEqual({ ok: false, reason: AuthFailure.Revoked, keyId: old.key.keyId });
    expect(await verifyBearer(`Bearer ${fresh.secret}`, store)).toMatchObject({ ok: true, tenant: 'rotating' });
  });
});

describe("local mode's keys", () => {
  test('without seeds, the first start creates a dev key for local-dev and shows its secret; later starts show its prefix only', async () => {
    const devTable = await createTestTable('auth-dev');
    try {
      const devStore = new DynamoSecretKeyStore(DynamoDBDocumentClient.from(devTable.client), devTable.tableName);
      const first = await prepareLocalKeys(devStore, undefined, now());
      expect(first).toMatchObject({ source: 'dev', tenant: 'local-dev', secret: expect.stringMatching(/^sk_test_/) });
      const secret = (first as { secret: string }).secret;
      expect(await verifyBearer(`Bearer ${secret}`, devStore)).toMatchObject({ ok: true, tenant: 'local-dev' });
      const second = await prepareLocalKeys(devStore, [], now());
      expect(second).toEqual({ source: 'dev', tenant: 'local-dev', keyId: (first as { keyId: string }).keyId, prefix: secret.slice(0, 24) });
      // All its keys revoked: the next start makes a new one.
      await devStore.revoke((first as { keyId: string }).keyId, now());
      expect(await prepareLocalKeys(devStore, undefined, now())).toMatchObject({ secret: expect.stringMatching(/^sk_test_/) });
    } finally {
      await devTable.drop();
    }
  });

  test('seeds are stored and verify; the same seeds at the next start change nothing', async () => {
    const acme = generateSecretKey(KeyMode.Test);
    const seeds = [{ tenant: 'seeded-acme', key: acme }];
    expect(await prepareLocalKeys(store, seeds, now())).toEqual({ source: 'seeded', keys: [{ tenant: 'seeded-acme', keyId: acme.keyId, prefix: acme.prefix, outcome: 'created' }] });
    expect(await prepareLocalKeys(store, seeds, now())).toMatchObject({ keys: [{ outcome: 'existing' }] });
    expect(await verifyBearer(`Bearer ${acme.key}`, store)).toMatchObject({ ok: true, tenant: 'seeded-acme' });
  });
});
