import fc from 'fast-check';
import { canonicalJson, requestFingerprint } from '../../../lambda/idempotency/fingerprint';

/** Rebuilds every object of a JSON value with its keys in a shuffled order. */
function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const order = keys.map((k, i) => ({ k, r: Math.sin(seed * 9301 + i * 49297) })).sort((a, b) => a.r - b.r);
  return Object.fromEntries(order.map(({ k }) => [k, shuffleKeys((value as Record<string, unknown>)[k], seed + 1)]));
}

const jsonObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 6 });

describe('request fingerprint', () => {
  test('key order and whitespace do not change it', () => {
    fc.assert(fc.property(jsonObject, fc.integer(), fc.integer({ min: 0, max: 4 }), (body, seed, indent) => {
      const reordered = JSON.stringify(shuffleKeys(body, seed), null, indent);
      expect(requestFingerprint('POST', '/payments', reordered)).toBe(requestFingerprint('POST', '/payments', JSON.stringify(body)));
    }));
  });

  test('changing any value changes it', () => {
    fc.assert(fc.property(jsonObject, fc.jsonValue({ maxDepth: 2 }), (body, replacement) => {
      const [key] = Object.keys(body);
      fc.pre(canonicalJson(replacement) !== canonicalJson(body[key!]));
      const changed = { ...body, [key!]: replacement };
      expect(requestFingerprint('POST', '/payments', JSON.stringify(changed))).not.toBe(requestFingerprint('POST', '/payments', JSON.stringify(body)));
    }));
  });

  test('method and path are part of it', () => {
    const body = '{"amount":1}';
    const base = requestFingerprint('POST', '/payments', body);
    expect(requestFingerprint('PUT', '/payments', body)).not.toBe(base);
    expect(requestFingerprint('POST', '/refunds', body)).not.toBe(base);
    expect(requestFingerprint('post', '/payments', body)).toBe(base);
  });

  test('array order counts; a non-JSON body is compared as it is', () => {
    expect(requestFingerprint('POST', '/p', '[1,2]')).not.toBe(requestFingerprint('POST', '/p', '[2,1]'));
    expect(requestFingerprint('POST', '/p', 'a=1')).not.toBe(requestFingerprint('POST', '/p', 'a=2'));
    expect(requestFingerprint('POST', '/p', '"x"')).not.toBe(requestFingerprint('POST', '/p', 'x'));
  });
});
