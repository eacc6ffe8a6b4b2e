import { parseKeysArgs } from '../../../ops/keys';
import { UsageError } from '../../../ops/result';
import { generateSecretKey, KeyMode } from '../../../lambda/auth/secret-keys';

describe('npm run keys arguments', () => {
  test('create, list and revoke', () => {
    expect(parseKeysArgs(['create', 'acme'])).toEqual({ name: 'create', tenant: 'acme', mode: 'test' });
    expect(parseKeysArgs(['create', 'acme', '--live'])).toEqual({ name: 'create', tenant: 'acme', mode: 'live' });
    expect(parseKeysArgs(['list'])).toEqual({ name: 'list', json: false });
    expect(parseKeysArgs(['list', 'acme', '--json'])).toEqual({ name: 'list', tenant: 'acme', json: true });
    expect(parseKeysArgs(['revoke', 'key_0123456789abcdef'])).toEqual({ name: 'revoke', keyId: 'key_0123456789abcdef' });
    expect(parseKeysArgs(['--', 'list'])).toEqual({ name: 'list', json: false });
    expect(parseKeysArgs(['--help'])).toEqual({ name: 'help' });
  });

  test.each([
    [[], /a command is needed/],
    [['rotate', 'acme'], /unknown command "rotate"/],
    [['create'], /usage: npm run keys -- create <tenant>/],
    [['create', 'Acme'], /not a tenant id: "Acme"/],
    [['create', 'acme', '--json'], /unknown option --json for create/],
    [['list', 'a', 'b'], /usage: npm run keys -- list/],
    [['revoke', 'acme'], /revoke takes a key id/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseKeysArgs(argv)).toThrow(UsageError);
    expect(() => parseKeysArgs(argv)).toThrow(message);
  });

  test('a secret given to revoke by mistake is refused without being echoed, naming its key id', () => {
    const key = generateSecretKey(KeyMode.Test);
    let message = '';
    try {
      parseKeysArgs(['revoke', key.key]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(key.keyId);
    expect(message).not.toContain(key.key);
  });
});
