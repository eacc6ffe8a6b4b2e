import fc from 'fast-check';

/**
 * fast-check arbitraries for POST /payments bodies: valid ones (every SPEC rule respected, odd
 * Unicode included) and single-field mutations that break exactly one rule.
 */

export const REQUIRED_FIELDS = ['amount', 'currency', 'source'] as const;
export const FIELDS = [...REQUIRED_FIELDS, 'customer', 'description', 'metadata'] as const;
export type Field = (typeof FIELDS)[number];
const TOKENS = ['tok_visa', 'tok_chargeDeclined'];

/** Any code point; `maxLength` is in code points, so the UTF-16 length is at most twice it. */
const anyText = (minLength: number, maxLength: number) => fc.string({ unit: 'binary', minLength, maxLength });
const metadataKey = fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/).filter((key) => key !== '__proto__');

export const validPaymentBody = fc.record(
  {
    amount: fc.integer({ min: 1, max: 99_999_999 }),
    currency: fc.stringMatching(/^[a-z]{3}$/),
    source: fc.constantFrom(...TOKENS),
    customer: fc.option(anyText(1, 127), { nil: null }),
    description: fc.option(anyText(0, 250), { nil: null }),
    metadata: fc.dictionary(metadataKey, anyText(0, 250), { maxKeys: 20 }),
  },
  { requiredKeys: ['amount', 'currency', 'source'] },
);
export type PaymentBody = Record<string, unknown>;

/** Marks a field to be left out of the body. */
export const MISSING = Symbol('missing');

const notInteger = fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true });
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.nat(), { maxLength: 2 }), fc.constant({ a: 'b' }));

/** For each field, values that break its rule (and only its rule). */
export const invalidValues: Record<Field, fc.Arbitrary<unknown>> = {
  amount: fc.oneof(fc.integer({ min: -1e9, max: 0 }), fc.integer({ min: 100_000_000, max: 2 ** 53 }), notInteger, fc.string(), fc.boolean(), fc.constant(null), fc.constant(MISSING)),
  currency: fc.oneof(fc.string({ maxLength: 6 }).filter((s) => !/^[a-z]{3}$/.test(s)), fc.constantFrom('USD', 'us', 'usdd', 'u$d', 'éur'), notString, fc.constant(MISSING)),
  source: fc.oneof(fc.string({ maxLength: 30 }).filter((s) => !TOKENS.includes(s)), fc.constantFrom('tok_mastercard', 'TOK_VISA', 'tok_visa '), notString, fc.constant(MISSING)),
  customer: fc.oneof(fc.constant(''), fc.string({ minLength: 256, maxLength: 300 }), fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 })),
  description: fc.oneof(fc.string({ minLength: 501, maxLength: 600 }), fc.integer(), fc.boolean(), fc.constant({ text: 'x' })),
  metadata: fc.oneof(
    fc.string(),
    fc.integer(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    // One bad key among good ones: empty, too long, or with a character outside the rule.
    fc.constantFrom('', 'k'.repeat(41), 'a b', 'a[0]', 'ключ', '__proto__', 'x/y').map((bad) => ({ ok: '1', [bad]: 'v' })),
    fc.constantFrom<unknown>(1, true, null, ['x'], { nested: 'x' }).map((value) => ({ key: value })),
    fc.constant({ key: 'v'.repeat(501) }),
    fc.constant(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']))),
  ),
};

/** A field the schema does not know, with any JSON value. */
export const unknownField = fc.tuple(
  fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'Amount')).filter((k) => !(FIELDS as readonly string[]).includes(k)),
  fc.jsonValue({ maxDepth: 2 }),
);

/**
 * The JSON text of `body` with `field` set to `value` (or left out). Built by hand so a
 * `__proto__` key is an own property of the JSON, as an attacker would send it.
 */
export function bodyWith(body: PaymentBody, field: string, value: unknown): string {
  const entries = Object.entries(body).filter(([key]) => key !== field);
  if (value !== MISSING) entries.push([field, value]);
  return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${jsonText(v)}`).join(',')}}`;
}

/** JSON.stringify, but an object's `__proto__` own key (as `Object.fromEntries` makes it) is written out too. */
function jsonText(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value);
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
}
