import { createHash } from 'node:crypto';
import {
  BearerFailure,
  decodeHash,
  encodeHash,
  generateSecretKey,
  hashMatches,
  hashSecretKey,
  KEY_ID,
  KeyMode,
  parseBearer,
  parseSecretKey,
  SECRET_ENTROPY_BITS,
} from '../../../lambda/auth/secret-keys';

const KEY_SHAPE = /^sk_(test|live)_[0-9A-Za-z]{48}$/;

describe('secret key format', () => {
  test('a new key is sk_test_ or sk_live_ and 48 base62 characters, with its id and public prefix taken from it', () => {
    for (const mode of [KeyMode.Test, KeyMode.Live]) {
      const key = generateSecretKey(mode);
      expect(key.key).toMatch(KEY_SHAPE);
      expect(key.key.startsWith(`sk_${mode}_`)).toBe(true);
      expect(key.mode).toBe(mode);
      expect(key.keyId).toMatch(KEY_ID);
      expect(key.prefix).toBe(key.key.slice(0, `sk_${mode}_`.length + 16));
      expect(key.keyId).toBe(`key_${key.prefix.slice(-16)}`);
    }
  });

  test('the secret part carries at least 128 bits of randomness', () => {
    expect(SECRET_ENTROPY_BITS).toBeGreaterThanOrEqual(128);
    expect(SECRET_ENTROPY_BITS).toBe(190);
  });

  test('keys do not repeat, and every base62 symbol turns up about equally often', () => {
    const keys = Array.from({ length: 2_000 }, () => generateSecretKey(KeyMode.Test).key);
    expect(new Set(keys).size).toBe(keys.length);
    const counts = new Map<string, number>();
    for (const key of keys) for (const symbol of key.slice(8)) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 96,000 symbols: 1,548 expected each; a bias as small as the unrejected bytes 248-255 cause (+3 %) stays inside, a broken modulo (+100 %) does not.
    const expected = (keys.length * 48) / 62;
    for (const count of counts.values()) expect(Math.abs(count - expected) / expected).toBeLessThan(0.15);
  });

  test('bytes 248 to 255 are drawn again rather than folded onto the first symbols', () => {
    // A source that alternates 255 and 0, byte by byte across calls: only the zeros become symbols.
    let drawn = 0;
    const random = (size: number) => Buffer.from(Array.from({ length: size }, () => (drawn++ % 2 === 0 ? 255 : 0)));
    const key = generateSecretKey(KeyMode.Test, random);
    expect(key.key).toBe(`sk_test_${'0'.repeat(48)}`);
  });

  test('anything but the exact shape is no key', () => {
    const good = generateSecretKey(KeyMode.Test).key;
    for (const bad of ['', good.slice(0, -1), `${good}x`, good.replace('sk_', 'pk_'), good.replace('sk_test_', 'sk_prod_'), good.replace('sk_test_', 'SK_TEST_'), `${good.slice(0, -1)}-`, ` ${good}`]) {
      expect(parseSecretKey(bad)).toBeUndefined();
    }
  });
});

describe('Authorization: Bearer parsing', () => {
  const key = generateSecretKey(KeyMode.Test).key;

  test.each([
    ['no header', undefined, BearerFailure.Missing],
    ['an empty header', '', BearerFailure.Missing],
    ['whitespace only', '   ', BearerFailure.Missing],
    ['another scheme', `Basic ${Buffer.from('user:pass').toString('base64')}`, BearerFailure.NotBearer],
    ['a bare key without the scheme', key, BearerFailure.NotBearer],
    ['the scheme alone', 'Bearer', BearerFailure.Malformed],
    ['two tokens', `Bearer ${key} ${key}`, BearerFailure.Malformed],
    ['a publishable key', `Bearer ${key.replace('sk_', 'pk_')}`, BearerFailure.Malformed],
    ['a truncated key', `Bearer ${key.slice(0, -4)}`, BearerFailure.Malformed],
    ['a JWT', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', BearerFailure.Malformed],
    ['a header of 2 KB', `Bearer ${'a'.repeat(2_048)}`, BearerFailure.Malformed],
  ])('%s is refused', (_name, header, reason) => {
    expect(parseBearer(header)).toEqual({ ok: false, reason });
  });

  test.each([
    ['Bearer', `Bearer ${key}`],
    ['a lowercase scheme (schemes are case-insensitive)', `bearer ${key}`],
    ['an uppercase scheme', `BEARER ${key}`],
    ['several spaces', `Bearer   ${key}`],
    ['a tab', `Bearer\t${key}`],
    ['surrounding whitespace', `  Bearer ${key} `],
  ])('%s names the key', (_name, header) => {
    const parsed = parseBearer(header);
    expect(parsed.ok && parsed.key.key).toBe(key);
  });
});

describe('the stored hash', () => {
  test('is SHA-256 of the whole key, prefix included: the same body under sk_live_ is another key', () => {
    const test = generateSecretKey(KeyMode.Test).key;
    expect(hashSecretKey(test)).toEqual(createHash('sha256').update(test).digest());
    expect(hashSecretKey(test.replace('sk_test_', 'sk_live_'))).not.toEqual(hashSecretKey(test));
    expect(decodeHash(encodeHash(hashSecretKey(test)))).toEqual(hashSecretKey(test));
  });

  test('matches only the same hash; an absent or damaged stored hash never matches', () => {
    const hash = hashSecretKey(generateSecretKey(KeyMode.Test).key);
    expect(hashMatches(hash, Buffer.from(hash))).toBe(true);
    expect(hashMatches(hash, hashSecretKey('other'))).toBe(false);
    expect(hashMatches(hash, undefined)).toBe(false);
    expect(hashMatches(hash, hash.subarray(0, 16))).toBe(false);
    expect(hashMatches(hash, Buffer.alloc(0))).toBe(false);
  });
});
