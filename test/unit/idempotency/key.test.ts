import fc from 'fast-check';
import { MAX_KEY_LENGTH, parseIdempotencyKey, requestKey, requireIdempotencyKey } from '../../../lambda/idempotency/key';

const visibleAscii = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: MAX_KEY_LENGTH });

describe('Idempotency-Key parsing', () => {
  test('any 1-255 characters of visible ASCII is a key, returned unchanged', () => {
    fc.assert(fc.property(visibleAscii, (key) => {
      // A bare value that happens to look like a quoted string (with or without parameters) is read as one: covered below.
      fc.pre(!/^".*"$/.test(key) && !/^"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*" *;/.test(key));
      expect(parseIdempotencyKey(key)).toEqual({ ok: true, key });
    }));
  });

  test('the RFC 8941 quoted form names the same key as the bare form', () => {
    fc.assert(fc.property(visibleAscii, (key) => {
      fc.pre(!/^".*"$/.test(key));
      const quoted = `"${key.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
      expect(parseIdempotencyKey(quoted)).toEqual({ ok: true, key });
    }));
  });

  test('a key with any character outside 0x21-0x7E is refused', () => {
    const outside = fc.oneof(fc.integer({ min: 0, max: 0x20 }), fc.integer({ min: 0x7f, max: 0xffff })).map((c) => String.fromCharCode(c));
    fc.assert(fc.property(fc.string({ maxLength: 20 }), outside, fc.string({ maxLength: 20 }), (before, bad, after) => {
      const result = parseIdempotencyKey(`x${before}${bad}${after}`);
      expect(result.ok).toBe(false);
    }));
  });

  test('missing, empty and over-long keys are refused with distinct reasons', () => {
    expect(parseIdempotencyKey(undefined)).toMatchObject({ ok: false, missing: true });
    expect(parseIdempotencyKey('')).toMatchObject({ ok: false, missing: false, reason: expect.stringContaining('empty') });
    expect(parseIdempotencyKey('a'.repeat(256))).toMatchObject({ ok: false, reason: expect.stringContaining('255') });
    expect(parseIdempotencyKey('a'.repeat(255))).toMatchObject({ ok: true });
  });

  test('requireIdempotencyKey throws a 400 with the SPEC code', () => {
    expect(() => requireIdempotencyKey(undefined)).toThrow(expect.objectContaining({ status: 400, code: 'idempotency_key_missing' }));
    expect(() => requireIdempotencyKey('a b')).toThrow(expect.objectContaining({ status: 400, code: 'idempotency_key_invalid' }));
  });
});

test('requestKey parses a request once, and again only when its header changed', () => {
  const request = { method: 'POST', path: '/x', headers: { 'idempotency-key': '"a"' }, pathParameters: {}, body: null, tenant: '' };
  const first = requestKey(request);
  expect(first).toEqual({ ok: true, key: 'a' });
  expect(requestKey(request)).toBe(first);
  request.headers['idempotency-key'] = 'b';
  expect(requestKey(request)).toEqual({ ok: true, key: 'b' });
});
