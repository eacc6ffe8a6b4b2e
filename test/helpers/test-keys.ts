import { createHash } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoSecretKeyStore, parseSecretKey } from '../../lambda/auth';
import { localDynamoDbClient } from '../../local/dynamodb-local';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * The test key number `n` of a tenant: a well-formed `sk_test_` key derived from the tenant's
 * name, so a test can write its header before any server exists (raw HTTP, fuzzing, a child
 * process's LOCAL_API_KEYS). Only a test table holds it: it is no secret of anything real.
 */
export function testSecretKey(tenant: string, n = 0): string {
  const digest = createHash('sha512').update(`test key ${n} of ${tenant}`).digest();
  const body = [...digest.subarray(0, 48)].map((byte) => BASE62[byte % BASE62.length]).join('');
  return `sk_test_${body}`;
}

/** `Bearer <the tenant's test key n>`, the Authorization value. */
export const bearerFor = (tenant: string, n = 0) => `Bearer ${testSecretKey(tenant, n)}`;

/** The key id of a test key, as `npm run keys -- list` and `revoke` name it. */
export const testKeyId = (tenant: string, n = 0) => parseSecretKey(testSecretKey(tenant, n))!.keyId;

/** LOCAL_API_KEYS for a local mode process: these tenants' test keys (number 0). */
export const localApiKeys = (...tenants: string[]) => tenants.map((tenant) => `${tenant}=${testSecretKey(tenant)}`).join(',');

/**
 * The secret keys of a test table, with a DynamoDB client of their own (not the function's, so
 * request counts and injected faults stay the function's). Each tenant's key is stored on first
 * use, once, however many requests ask for it at the same time.
 */
export class TestKeyring {
  readonly store: DynamoSecretKeyStore;
  private readonly documentClient: DynamoDBDocumentClient;
  private readonly seeded = new Map<string, Promise<void>>();
  /** Seeds run one at a time: every creation also writes the one registry item, and racing ones retry. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(endpoint: string, tableName: string) {
    this.documentClient = DynamoDBDocumentClient.from(localDynamoDbClient(endpoint));
    this.store = new DynamoSecretKeyStore(this.documentClient, tableName);
  }

  /** Stores the tenant's test key n (a no-op when it is stored); resolves with the key, for a client. */
  async secretKey(tenant: string, n = 0): Promise<string> {
    await this.authorization(tenant, n);
    return testSecretKey(tenant, n);
  }

  /** Stores the tenant's test key n (a no-op when it is stored); resolves with its Authorization value. */
  async authorization(tenant: string, n = 0): Promise<string> {
    const id = `${n} ${tenant}`;
    let seeding = this.seeded.get(id);
    if (!seeding) {
      seeding = this.queue.then(() => this.store.seed(tenant, parseSecretKey(testSecretKey(tenant, n))!, Date.now())).then(() => undefined);
      this.queue = seeding.catch(() => undefined);
      this.seeded.set(id, seeding);
      seeding.catch(() => this.seeded.delete(id));
    }
    await seeding;
    return bearerFor(tenant, n);
  }

  close(): void {
    this.documentClient.destroy();
  }
}
