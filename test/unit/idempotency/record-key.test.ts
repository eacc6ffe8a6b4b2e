import fc from 'fast-check';
import { keyDigest } from '../../../lambda/idempotency/record-key';

describe('tenant-scoped record keys', () => {
  test('two different (tenant, key) pairs never share a record key, whatever characters they hold', () => {
    const part = fc.string({ unit: fc.constantFrom('a', 'b', '#', ':', '|', '"', '\\', ',', '[', ']'), maxLength: 6 });
    fc.assert(fc.property(part, part, part, part, (t1, k1, t2, k2) => {
      fc.pre(t1 !== t2 || k1 !== k2);
      expect(keyDigest(t1, k1)).not.toBe(keyDigest(t2, k2));
    }), { numRuns: 2000 });
  });

  test('the pairs a plain separator join confuses stay apart', () => {
    expect(keyDigest('a#b', 'c')).not.toBe(keyDigest('a', 'b#c'));
    expect(keyDigest('a","b', 'c')).not.toBe(keyDigest('a', 'b","c'));
  });

  test('a record key has a fixed size, whatever the tenant and key hold', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (tenant, key) => {
      expect(keyDigest(tenant, key)).toMatch(/^[0-9a-f]{32}$/);
    }));
  });
});
