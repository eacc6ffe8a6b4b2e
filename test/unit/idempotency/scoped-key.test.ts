import fc from 'fast-check';
import { KeyPrefix, scopedKey } from '../../../lambda/shared/table';

describe('tenant-scoped keys', () => {
  test('two different (tenant, key) pairs never share a partition key, whatever characters they hold', () => {
    const part = fc.string({ unit: fc.constantFrom('a', 'b', '#', ':', '|', '"', '\\', ',', '[', ']'), maxLength: 6 });
    fc.assert(fc.property(part, part, part, part, (t1, k1, t2, k2) => {
      fc.pre(t1 !== t2 || k1 !== k2);
      expect(scopedKey(KeyPrefix.Idempotency, t1, k1)).not.toBe(scopedKey(KeyPrefix.Idempotency, t2, k2));
    }), { numRuns: 2000 });
  });

  test('the pairs a plain separator join confuses stay apart', () => {
    expect(scopedKey(KeyPrefix.Payment, 'a#b', 'c')).not.toBe(scopedKey(KeyPrefix.Payment, 'a', 'b#c'));
  });
});
