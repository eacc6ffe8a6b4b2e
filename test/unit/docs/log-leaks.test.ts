import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLeaks } from '../../helpers/log-capture';

// The global teardown runs findLeaks over every line the run wrote; here it is shown to catch each
// kind of leak (and to let the banner's sample commands through).
describe('the leak check over the whole run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leak-check-'));
  writeFileSync(
    join(dir, '1.log'),
    [
      'test/x\t{"level":"info","outcome":"executed","status":201}',
      'test/x\tStripeAuthenticationError: Invalid API Key provided: sk_test_abcd1234',
      'test/x\tverifying whsec_abcdef',
      'test/x\tcharging {"amount":1000,"currency":"usd","source":"tok_visa"}',
      'test/x\t{"outcome":"replayed","source":"cache"}',
      'test/x\tpayment method pm_card_visa',
      'test/x\theaders {"authorization":"x"}',
      "local mode\t    -d '{\"amount\":1000,\"currency\":\"usd\",\"source\":\"tok_visa\"}'",
      'local mode\t  export PAYMENTS_SECRET_KEY=sk_test_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL',
      'local mode\t    -H "Authorization: Bearer $PAYMENTS_SECRET_KEY" -H \'Idempotency-Key: order-1001\'',
    ].join('\n'),
  );

  it('finds secrets, card data, Authorization headers and bodies, and masks what it found', () => {
    const leaks = findLeaks(dir);
    expect(leaks.map((leak) => leak.what).sort()).toEqual(
      ['a Stripe secret key', 'a webhook signing secret', 'a card token', 'a payment body', 'a payment method', 'an Authorization header or bearer token'].sort(),
    );
    for (const leak of leaks) expect(leak.line).toContain('<redacted>');
    expect(leaks.map((leak) => leak.line).join('\n')).not.toMatch(/sk_test_abcd1234|whsec_abcdef/);
  });
});
