import fc from 'fast-check';
import { bodyWith, FIELDS, invalidValues, validPaymentBody } from './payment-arbitraries';
import type { RawRequest } from './raw-http';
import { bearerFor, testSecretKey } from './test-keys';

/**
 * Requests for fuzzing the HTTP surface: mostly aimed at POST /payments, with every part bent in
 * the ways clients, proxies and attackers bend them. Everything stays valid HTTP/1.1 (which Node's
 * parser, like API Gateway's front end, enforces before the API sees anything).
 */

const char = (min: number, max: number) => fc.integer({ min, max }).map((code) => String.fromCharCode(code));
/** What an HTTP header value may carry: tab, visible ASCII, space and obs-text (0x80-0xFF). */
const headerText = (maxLength: number, minLength = 0) =>
  fc.string({ unit: fc.oneof({ weight: 8, arbitrary: char(0x20, 0x7e) }, char(0x80, 0xff), fc.constant('\t')), minLength, maxLength });
const visible = (minLength: number, maxLength: number) => fc.string({ unit: char(0x21, 0x7e), minLength, maxLength });

/** A handful of keys, so repeats (replays, 422 mismatches) happen too. */
const KEY_POOL = ['fuzz-1', 'fuzz-2', 'fuzz-3', '"fuzz-1"', 'fuzz-4'];

type Headers = [string, string][];
const none = fc.constant<Headers>([]);
const one = (name: string) => (value: string): Headers => [[name, value]];

const idempotencyKeyHeaders: fc.Arbitrary<Headers> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEY_POOL).map(one('Idempotency-Key')) },
  none,
  headerText(40).map(one('Idempotency-Key')),
  fc.constantFrom('', '""', '"a\\"b"', '"unterminated', 'a,b', ' padded ', 'k'.repeat(256), 'k'.repeat(8_000)).map(one('Idempotency-Key')),
  // Two different keys, under the same name or names differing in case; the same key twice.
  fc.tuple(visible(1, 20), visible(1, 20), fc.boolean()).map(([a, b, sameCase]): Headers => [['Idempotency-Key', a], [sameCase ? 'Idempotency-Key' : 'idempotency-key', b]]),
  fc.constantFrom(...KEY_POOL).map((k): Headers => [['Idempotency-Key', k], ['Idempotency-Key', k]]),
);

/** The two tenants whose test keys the fuzzed server must hold (FUZZ_TENANTS); anything else is refused. */
export const FUZZ_TENANTS = ['tenant-fuzz', 'tenant-other'] as const;
const fuzzKey = testSecretKey(FUZZ_TENANTS[0]);

const authorizationHeaders: fc.Arbitrary<Headers> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<Headers>([['Authorization', bearerFor(FUZZ_TENANTS[0])]], [['authorization', bearerFor(FUZZ_TENANTS[1])]]) },
  none,
  headerText(60, 1).map(one('Authorization')),
  // Near misses of a valid key: another scheme, no token, the key bare, under the other mode, one
  // character off, unknown, followed by more, twice with different values; an x-api-key alone.
  fc
    .constantFrom(
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwYXNz',
      fuzzKey,
      `Bearer ${fuzzKey.replace('sk_test_', 'sk_live_')}`,
      `Bearer ${fuzzKey.slice(0, -1)}${fuzzKey.endsWith('a') ? 'b' : 'a'}`,
      `Bearer ${testSecretKey('tenant-unknown')}`,
      `Bearer ${fuzzKey} ${fuzzKey}`,
      `Bearer ${fuzzKey.slice(0, -1)}`,
    )
    .map(one('Authorization')),
  fc.constant<Headers>([['Authorization', bearerFor(FUZZ_TENANTS[0])], ['Authorization', bearerFor(FUZZ_TENANTS[1])]]),
  fc.constant<Headers>([['x-api-key', FUZZ_TENANTS[0]]]),
  fc.integer({ min: 1_025, max: 4_000 }).map((n) => one('Authorization')(`Bearer ${'k'.repeat(n)}`)),
);

const contentTypeHeaders: fc.Arbitrary<Headers> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Headers>([['Content-Type', 'application/json']]) },
  none,
  fc.constantFrom('text/plain', 'application/json; charset=utf-8', 'application/problem+json', 'application/xml', 'multipart/form-data; boundary=x', 'APPLICATION/JSON', 'json').map(one('Content-Type')),
  headerText(40).map(one('Content-Type')),
);

const RESERVED = new Set(['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade', 'content-type', 'authorization', 'x-api-key', 'idempotency-key']);
const extraHeaders = fc.array(
  fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,30}$/).filter((n) => !RESERVED.has(n.toLowerCase())), headerText(200)),
  { maxLength: 4 },
);

const validJson = validPaymentBody.map((b) => JSON.stringify(b));
const invalidFieldJson = fc.constantFrom(...FIELDS).chain((field) => fc.tuple(validPaymentBody, invalidValues[field]).map(([b, v]) => bodyWith(b, field, v)));
const nested = (open: string, close: string) => fc.integer({ min: 1, max: 50_000 }).map((n) => open.repeat(n) + close.repeat(n));
const valid = { amount: 1000, currency: 'usd', source: 'tok_visa' };
const pollution = fc.constantFrom(
  '{"amount":1000,"currency":"usd","source":"tok_visa","__proto__":{"polluted":true}}',
  '{"amount":1000,"currency":"usd","source":"tok_visa","constructor":{"prototype":{"polluted":true}}}',
  '{"amount":1000,"currency":"usd","source":"tok_visa","metadata":{"__proto__":"x"}}',
  '{"amount":1000,"currency":"usd","source":"tok_visa","metadata":{"__proto__":{"polluted":"yes"}}}',
  '{"amount":1000,"currency":"usd","source":"tok_visa","metadata":{"constructor":"x","prototype":"y","toString":"z","hasOwnProperty":"w"}}',
  '{"__proto__":null}',
);
const oddUnicode = fc.constantFrom('\ud800', '\udfff x', 'a\ud83d', '\u0000', '\u202e\u2066', '\ufeff', 'e\u0301', '\u{1f4a9}'.repeat(100), '\u{10ffff}');

/** Bodies as bytes: valid, invalid per field, not JSON, huge, deeply nested, odd Unicode, polluting. */
export const fuzzBody: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { weight: 4, arbitrary: validJson.map((s) => Buffer.from(s)) },
  { weight: 4, arbitrary: invalidFieldJson.map((s) => Buffer.from(s)) },
  fc.constant(undefined),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom('{', '{"amount":1000,', 'null', '[]', '""', '{"amount":1e400}', '{"a":1}{"b":2}', '\u0000').map((s) => Buffer.from(s)),
  fc.integer({ min: 64 * 1024 + 1, max: 200 * 1024 }).map((n) => Buffer.from(JSON.stringify({ ...valid, description: 'x'.repeat(n) }))),
  fc.oneof(nested('[', ']'), nested('{"a":', '}').map((s) => s.replace(/}+$/, (c) => `1${c}`))).map((s) => Buffer.from(s)),
  fc.tuple(fc.constantFrom('customer', 'description'), oddUnicode).map(([field, text]) => Buffer.from(JSON.stringify({ ...valid, [field]: text }))),
  oddUnicode.map((text) => Buffer.from(JSON.stringify({ ...valid, metadata: { note: text } }))),
  // A raw lone surrogate in the text itself: its UTF-8 is replaced by U+FFFD on the way.
  oddUnicode.map((text) => Buffer.from(`{"amount":1000,"currency":"usd","source":"tok_visa","customer":"${text}"}`)),
  pollution.map((s) => Buffer.from(s)),
);

const INVOKE_API = /^\/2015-03-31\/functions\//;
const fuzzPath = fc.oneof(
  { weight: 8, arbitrary: fc.constant('/payments') },
  fc.constantFrom('/payments/', '//payments', '/Payments', '/payments?x=1&x=2', '/payments#frag', '/payments%2F', '/payments/%zz', '/payments/..%2f..', '/', '/payments/a/b'),
  fc.string({ maxLength: 40 }).map((id) => `/payments/${encodeURIComponent(id)}`),
  fc.stringMatching(/^[0-9a-f]{32}$/).map((hex) => `/payments/pay_${hex}`),
  visible(0, 60).map((p) => `/${p}`).filter((p) => !INVOKE_API.test(p)),
);
const fuzzMethod = fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'));

export const fuzzRequest: fc.Arbitrary<RawRequest> = fc
  .record({ method: fuzzMethod, path: fuzzPath, key: idempotencyKeyHeaders, authorization: authorizationHeaders, contentType: contentTypeHeaders, extra: extraHeaders, body: fuzzBody })
  .map(({ method, path, key, authorization, contentType, extra, body }) => ({
    method,
    path,
    headers: [...authorization, ...key, ...contentType, ...extra],
    ...(body === undefined ? {} : { body }),
  }));
