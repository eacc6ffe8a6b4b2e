import { createAuthorizer } from '../../../lambda/auth/authorizer';
import { generateSecretKey, KeyMode } from '../../../lambda/auth/secret-keys';
import { authorizerEvent, bearer, CREATE, GET_ONE, LIST, STAGE_ARN } from './authorizer-events';
import { MemoryKeys } from './memory-keys';

function setup() {
  const keys = new MemoryKeys();
  const lines: string[] = [];
  const authorize = createAuthorizer({ store: keys, log: (line) => lines.push(line) });
  return { keys, lines, authorize };
}

describe('the REQUEST authorizer', () => {
  test('a valid key is an Allow for the tenant: principal, context and usage-plan key', async () => {
    const { keys, authorize } = setup();
    const secret = keys.add('acme');
    const result = await authorize(authorizerEvent(bearer(secret)));
    expect(result).toEqual({
      principalId: 'acme',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${STAGE_ARN}/*/payments`, `${STAGE_ARN}/*/payments/*`] }],
      },
      context: { tenant: 'acme', keyId: expect.stringMatching(/^key_/) },
      usageIdentifierKey: 'usage-acme-0123456789abcdef',
    });
  });

  test('the Allow covers every payments route, since API Gateway reuses a cached policy for the next method', async () => {
    const { keys, authorize } = setup();
    const secret = keys.add('acme');
    for (const route of [CREATE, LIST, GET_ONE]) {
      const event = authorizerEvent(bearer(secret), route);
      const { policyDocument } = await authorize(event);
      const resources = (policyDocument.Statement[0] as { Resource: string[] }).Resource;
      const covered = resources.some((pattern) => new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]+')}$`).test(event.methodArn));
      expect(covered).toBe(true);
    }
  });

  test('a key item without a usage-plan key gets no usageIdentifierKey', async () => {
    const { keys, authorize } = setup();
    const secret = keys.add('acme', KeyMode.Test, { usageIdentifierKey: undefined });
    expect(await authorize(authorizerEvent(bearer(secret)))).not.toHaveProperty('usageIdentifierKey');
  });

  test('the header name is matched whatever its case', async () => {
    const { keys, authorize } = setup();
    const secret = keys.add('acme');
    await expect(authorize(authorizerEvent([['authorization', `Bearer ${secret}`]]))).resolves.toMatchObject({ principalId: 'acme' });
    await expect(authorize(authorizerEvent([['AUTHORIZATION', `Bearer ${secret}`]]))).resolves.toMatchObject({ principalId: 'acme' });
  });

  test('two different Authorization headers are refused: no way to tell which key is meant', async () => {
    const { keys, authorize } = setup();
    const acme = keys.add('acme');
    const globex = keys.add('globex');
    await expect(authorize(authorizerEvent([['Authorization', `Bearer ${acme}`], ['authorization', `Bearer ${globex}`]]))).rejects.toThrow(/^Unauthorized$/);
    expect(keys.lookups).toBe(0);
  });

  test('an x-api-key alone, the v1 way, is Unauthorized', async () => {
    const { keys, authorize } = setup();
    keys.add('acme');
    await expect(authorize(authorizerEvent([['x-api-key', 'acme']]))).rejects.toThrow(/^Unauthorized$/);
  });

  test('a store failure is thrown as itself, not as Unauthorized (a 500 the client retries, not a false 401)', async () => {
    const failing = { get: async () => Promise.reject(Object.assign(new Error('Service unavailable'), { name: 'InternalServerError' })) };
    const lines: string[] = [];
    const authorize = createAuthorizer({ store: failing, log: (line) => lines.push(line) });
    await expect(authorize(authorizerEvent(bearer(generateSecretKey(KeyMode.Test).key)))).rejects.toThrow('Service unavailable');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'error', message: 'authorizer failed' });
  });

  test('the log line of each decision names the reason and key id, never the secret or the header', async () => {
    const { keys, lines, authorize } = setup();
    const secret = keys.add('acme');
    const stranger = generateSecretKey(KeyMode.Test).key;
    await authorize(authorizerEvent(bearer(secret)));
    await expect(authorize(authorizerEvent(bearer(stranger)))).rejects.toThrow('Unauthorized');
    await expect(authorize(authorizerEvent([['Authorization', 'Basic c2VjcmV0']]))).rejects.toThrow('Unauthorized');
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed).toEqual([
      expect.objectContaining({ level: 'info', message: 'authorized', tenant: 'acme', route: 'POST /payments' }),
      expect.objectContaining({ level: 'warn', message: 'unauthorized', reason: 'unknown_key', keyId: expect.stringMatching(/^key_/) }),
      expect.objectContaining({ level: 'warn', message: 'unauthorized', reason: 'not_bearer' }),
    ]);
    for (const line of lines) {
      expect(line).not.toContain(secret.slice(-32));
      expect(line).not.toContain(stranger.slice(-32));
      expect(line).not.toContain('c2VjcmV0');
    }
  });
});
