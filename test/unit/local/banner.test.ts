import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalKeys } from '../../../lambda/auth';
import { generateSecretKey, KeyMode } from '../../../lambda/auth/secret-keys';
import { ConfigError, configFromEnv } from '../../../lambda/payments/config';
import { banner, type BannerInput } from '../../../local/banner';
import { localSettingsFromEnv } from '../../../local/settings';
import { findLeaks } from '../../helpers/log-capture';

const secret = generateSecretKey(KeyMode.Test);

function bannerWith(keys: LocalKeys): string {
  const input: BannerInput = {
    url: 'http://127.0.0.1:3000',
    pid: 1,
    settings: localSettingsFromEnv({}, []),
    config: configFromEnv({}),
    dynamoDbEndpoint: 'http://127.0.0.1:8000',
    javaPid: 2,
    dataDir: undefined,
    tableStatus: 'created',
    keys,
    startupMs: 1_000,
  };
  return banner(input);
}

/** The banner as local mode's output reaches the run's leak check. */
function leaksOf(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'banner-leaks-'));
  writeFileSync(join(dir, '1.log'), text.split('\n').map((line) => `local mode\t${line}`).join('\n'));
  return findLeaks(dir);
}

describe("local mode's start banner and its keys", () => {
  test('a dev key made by this start: its secret once, in the export line of the sample commands, which send it in their header', () => {
    const text = bannerWith({ source: 'dev', tenant: 'local-dev', keyId: secret.keyId, prefix: secret.prefix, secret: secret.key });
    expect(text.split(secret.key)).toHaveLength(2);
    expect(text).toContain(`  export PAYMENTS_SECRET_KEY=${secret.key}\n`);
    expect(text).toContain('-H "Authorization: Bearer $PAYMENTS_SECRET_KEY"');
    expect(text).toMatch(new RegExp(`Keys +tenant local-dev: dev key ${secret.keyId} \\(made by this start`));
    expect(text).not.toMatch(/x-api-key/);
    expect(leaksOf(text)).toEqual([]);
  });

  test('a dev key made by an earlier start: named by its id, its secret nowhere', () => {
    const text = bannerWith({ source: 'dev', tenant: 'local-dev', keyId: secret.keyId, prefix: secret.prefix });
    expect(text).not.toContain(secret.key.slice(-32));
    expect(text).not.toContain(secret.prefix);
    expect(text).not.toContain('export PAYMENTS_SECRET_KEY');
    expect(text).toMatch(/dev key key_\w+ \(made by an earlier start/);
    expect(text).toMatch(/npm run keys -- create local-dev/);
    expect(leaksOf(text)).toEqual([]);
  });

  test('seeded keys (LOCAL_API_KEYS): tenants and key ids only; the direct-invocation sample names the first tenant', () => {
    const text = bannerWith({ source: 'seeded', keys: [{ tenant: 'acme', keyId: secret.keyId, prefix: secret.prefix, outcome: 'revoked' }] });
    expect(text).toContain(`LOCAL_API_KEYS: acme ${secret.keyId} (revoked: stays so)`);
    expect(text).not.toContain(secret.prefix);
    expect(text).toContain('"tenant":"acme"');
    expect(leaksOf(text)).toEqual([]);
  });
});

describe('LOCAL_API_KEYS in local mode settings', () => {
  test('unset or blank: no seeds (the dev key is made instead)', () => {
    expect(localSettingsFromEnv({}, []).apiKeys).toBeUndefined();
    expect(localSettingsFromEnv({ LOCAL_API_KEYS: '  ' }, []).apiKeys).toBeUndefined();
  });

  test('tenant=secret pairs become seeds', () => {
    expect(localSettingsFromEnv({ LOCAL_API_KEYS: `acme=${secret.key}` }, []).apiKeys).toEqual([{ tenant: 'acme', key: secret }]);
  });

  test.each([
    ['no entry', ','],
    ['a secret that is no key', 'acme=letmein'],
    ['a tenant that is no tenant id', `Acme=${secret.key}`],
  ])('%s is a configuration error that shows no secret', (_label, raw) => {
    expect(() => localSettingsFromEnv({ LOCAL_API_KEYS: raw }, [])).toThrow(ConfigError);
    try {
      localSettingsFromEnv({ LOCAL_API_KEYS: raw }, []);
    } catch (error) {
      expect((error as Error).message).not.toContain('letmein');
      expect((error as Error).message).not.toContain(secret.key.slice(-32));
    }
  });
});
