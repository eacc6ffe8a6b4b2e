import { parseIdempotencyKey } from '../../../lambda/idempotency/key';

// Issue 9, item 8: an RFC 8941 sf-string with parameters names no single key (dropping the
// parameters would merge `"a";v=1` with `"a";v=2`, keeping them would split `"a"` from itself).
describe('Idempotency-Key: sf-strings with parameters', () => {
  test.each(['"a1";x=1', '"a1"; x=1', '"a1";x', '"a1";x=1;y="z"', '"a\\"b";v=2', '"";x=1'])('%s is refused', (raw) => {
    expect(parseIdempotencyKey(raw)).toMatchObject({ ok: false, missing: false, reason: expect.stringContaining('parameters') });
  });

  test.each([
    ['a1;x=1', 'a1;x=1'],
    ['"abc"', 'abc'],
    ['abc', 'abc'],
    ['"a\\"b"', 'a"b'],
    // Not an sf-string at all (no closing quote, or text after it that is not a parameter): a plain key.
    ['"unterminated', '"unterminated'],
    ['"a"b', '"a"b'],
  ])('%s is the key %s', (raw, key) => {
    expect(parseIdempotencyKey(raw)).toEqual({ ok: true, key });
  });
});
