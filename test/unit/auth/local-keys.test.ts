import { parseLocalApiKeys } from '../../../lambda/auth/local-keys';
import { generateSecretKey, KeyMode } from '../../../lambda/auth/secret-keys';

describe('LOCAL_API_KEYS', () => {
  const acme = generateSecretKey(KeyMode.Test).key;
  const globex = generateSecretKey(KeyMode.Test).key;

  test('tenant=secret pairs, separated by commas, spaces and a trailing comma allowed', () => {
    const parsed = parseLocalApiKeys(` acme=${acme} , globex = ${globex},`);
    expect(parsed.ok && parsed.seeds.map((seed) => [seed.tenant, seed.key.key])).toEqual([
      ['acme', acme],
      ['globex', globex],
    ]);
  });

  test('one tenant may be given two keys (a rotation)', () => {
    const parsed = parseLocalApiKeys(`acme=${acme},acme=${globex}`);
    expect(parsed.ok && parsed.seeds.length).toBe(2);
  });

  test.each([
    ['an entry without =', () => `acme${acme}`, /entry 1 is not tenant=secret/],
    ['a tenant outside the safe characters', () => `Acme Corp=${acme}`, /entry 1: "Acme Corp" is not a tenant id/],
    ['the webhook tenant', () => `stripe:webhook-events=${acme}`, /not a tenant id/],
    ['a secret that is no key', () => `acme=${acme},globex=letmein`, /entry 2 \(tenant globex\): the secret is not a secret key/],
    ['one key for two tenants', () => `acme=${acme},globex=${acme}`, /is given to both acme and globex/],
  ])('%s is refused, and the message never shows a secret', (_name, raw, message) => {
    const parsed = parseLocalApiKeys(raw());
    expect(parsed.ok).toBe(false);
    const text = parsed.ok ? '' : parsed.message;
    expect(text).toMatch(message);
    expect(text).not.toContain(acme.slice(-32));
    expect(text).not.toContain('letmein');
  });
});
