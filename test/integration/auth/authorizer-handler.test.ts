import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoSecretKeyStore } from '../../../lambda/auth/key-store';
import { generateSecretKey, KeyMode } from '../../../lambda/auth/secret-keys';
import { createTestTable, type TestTable } from '../../helpers/dynamo';
import { authorizerEvent, bearer, GET_ONE, STAGE_ARN } from '../../unit/auth/authorizer-events';

// The authorizer's real Lambda entry (authorizer-handler.ts), loaded with the environment the stack
// gives it, against DynamoDB Local: every refusal is the one error API Gateway turns into a 401.

let table: TestTable;
let store: DynamoSecretKeyStore;
let handler: (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
const saved = { ...process.env };
let stdout: jest.SpyInstance;

beforeAll(async () => {
  table = await createTestTable('auth-authorizer');
  store = new DynamoSecretKeyStore(DynamoDBDocumentClient.from(table.client), table.tableName);
  Object.assign(process.env, { TABLE_NAME: table.tableName, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  jest.isolateModules(() => {
    ({ handler } = require('../../../lambda/auth/authorizer-handler'));
  });
});
beforeEach(() => {
  // The handler's decision lines go straight to fd 1; keep them off the test output.
  stdout = jest.spyOn(require('node:fs'), 'writeSync').mockImplementation((_fd: unknown, bytes: unknown) => (bytes as Buffer).length);
});
afterEach(() => stdout.mockRestore());
afterAll(async () => {
  process.env = saved;
  await table.drop();
});

const UNAUTHORIZED = /^Unauthorized$/;

describe('the authorizer handler', () => {
  test('a valid key is an Allow whose principal and context are its tenant', async () => {
    const { secret, key, usageIdentifierKey } = await store.create('handler-acme', KeyMode.Test, Date.now());
    const result = await handler(authorizerEvent(bearer(secret)));
    expect(result).toEqual({
      principalId: 'handler-acme',
      policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${STAGE_ARN}/*/payments`, `${STAGE_ARN}/*/payments/*`] }] },
      context: { tenant: 'handler-acme', keyId: key.keyId },
      usageIdentifierKey,
    });
  });

  test('a key acts only for its own tenant', async () => {
    const acme = await store.create('handler-t1', KeyMode.Test, Date.now());
    const globex = await store.create('handler-t2', KeyMode.Test, Date.now());
    expect((await handler(authorizerEvent(bearer(acme.secret), GET_ONE))).context).toEqual({ tenant: 'handler-t1', keyId: acme.key.keyId });
    expect((await handler(authorizerEvent(bearer(globex.secret), GET_ONE))).context).toEqual({ tenant: 'handler-t2', keyId: globex.key.keyId });
  });

  test.each<[string, () => Promise<Array<[string, string]>>]>([
    ['no Authorization header', async () => [['Idempotency-Key', 'order-1']]],
    ['an x-api-key header alone', async () => [['x-api-key', 'handler-acme']]],
    ['an x-api-key holding a valid secret key', async () => [['x-api-key', (await store.create('handler-x', KeyMode.Test, Date.now())).secret]]],
    ['a malformed key', async () => bearer('sk_test_tooShort')],
    ['Basic credentials', async () => [['Authorization', 'Basic aGFuZGxlcjpzZWNyZXQ=']]],
    ['an unknown key', async () => bearer(generateSecretKey(KeyMode.Test).key)],
    ['a revoked key', async () => {
      const { secret, key } = await store.create('handler-revoked', KeyMode.Test, Date.now());
      await store.revoke(key.keyId, Date.now());
      return bearer(secret);
    }],
    ['a test key sent with the sk_live_ prefix', async () => bearer((await store.create('handler-mode', KeyMode.Test, Date.now())).secret.replace('sk_test_', 'sk_live_'))],
    ['a right key id with a wrong secret', async () => bearer(`${(await store.create('handler-wrong', KeyMode.Test, Date.now())).key.prefix}${'x'.repeat(32)}`)],
  ])('%s is Unauthorized', async (_name, headers) => {
    await expect(handler(authorizerEvent(await headers()))).rejects.toThrow(UNAUTHORIZED);
  });

  test('rotation: both keys of a tenant pass; the revoked one is refused at the very next call', async () => {
    const old = await store.create('handler-rotate', KeyMode.Test, Date.now());
    const fresh = await store.create('handler-rotate', KeyMode.Test, Date.now());
    await expect(handler(authorizerEvent(bearer(old.secret)))).resolves.toMatchObject({ principalId: 'handler-rotate' });
    await expect(handler(authorizerEvent(bearer(fresh.secret)))).resolves.toMatchObject({ principalId: 'handler-rotate' });
    await store.revoke(old.key.keyId, Date.now());
    await expect(handler(authorizerEvent(bearer(old.secret)))).rejects.toThrow(UNAUTHORIZED);
    await expect(handler(authorizerEvent(bearer(fresh.secret)))).resolves.toMatchObject({ principalId: 'handler-rotate' });
  });

  test('each decision is one JSON line on stdout, without the secret', async () => {
    const { secret } = await store.create('handler-log', KeyMode.Test, Date.now());
    await handler(authorizerEvent(bearer(secret)));
    await expect(handler(authorizerEvent(bearer(`${secret.slice(0, -1)}${secret.endsWith('0') ? '1' : '0'}`)))).rejects.toThrow(UNAUTHORIZED);
    const lines = stdout.mock.calls.map(([, bytes]) => String(bytes));
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ message: 'authorized', tenant: 'handler-log' }),
      expect.objectContaining({ message: 'unauthorized', reason: expect.stringMatching(/^wrong_secret$/) }),
    ]);
    for (const line of lines) expect(line).not.toContain(secret.slice(-31));
  });
});
