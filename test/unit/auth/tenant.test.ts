import fc from 'fast-check';
import { keyDigest } from '../../../lambda/idempotency/record-key';
import { isTenantId } from '../../../lambda/auth/tenant';
import { WEBHOOK_TENANT } from '../../../lambda/stripe/webhook';

describe('tenant ids', () => {
  test.each(['local-dev', 'acme', 'acme_eu-2', 'a', '0', 'a1b2c3d4e5', 'x'.repeat(64)])('%s is a tenant id', (tenant) => {
    expect(isTenantId(tenant)).toBe(true);
  });

  test.each(['', 'Acme', '-acme', '_acme', 'acme corp', 'acme#1', 'acme*', 'a/b', 'a:b', '"a"', 'acme\n', 'ac\u00e9me', 'x'.repeat(65)])(
    '%j is not',
    (tenant) => {
      expect(isTenantId(tenant)).toBe(false);
    },
  );

  test("no operator-made tenant can be the service's own tenant of webhook events", () => {
    expect(isTenantId(WEBHOOK_TENANT)).toBe(false);
  });

  test('the scoped record key stays injective for any strings, tenant ids or not', () => {
    const tenantId = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}$/);
    const anyString = fc.string({ maxLength: 12 });
    fc.assert(
      fc.property(fc.oneof(tenantId, anyString), anyString, fc.oneof(tenantId, anyString), anyString, (t1, k1, t2, k2) => {
        fc.pre(t1 !== t2 || k1 !== k2);
        expect(keyDigest(t1, k1)).not.toBe(keyDigest(t2, k2));
      }),
      { numRuns: 1_000 },
    );
  });
});
