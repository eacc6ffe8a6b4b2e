import { jsonHazard, MAX_JSON_DEPTH } from '../../../lambda/http/parse';
import { isJsonInUtf8 } from '../../../lambda/http/json-body';

describe('Content-Type of POST /payments', () => {
  test.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset="UTF-8"',
    'APPLICATION/JSON ; CHARSET=Utf-8',
    'application/merge-patch+json',
    'application/json;',
    'application/json; foo=bar; charset=utf-8',
    'application/json; note="a;b"',
  ])('%s is JSON in UTF-8', (contentType) => {
    expect(isJsonInUtf8(contentType)).toBe(true);
  });

  test.each([
    undefined,
    '',
    'text/plain',
    'application/jsonx',
    'application/json; charset=utf-16',
    'application/json; charset=utf8',
    'application/json; charset="iso-8859-1"',
    'application/json; charset=utf-8; charset=utf-16',
    'application/json; charset',
    'application/json garbage',
    'application/json; note="unterminated',
  ])('%s is not', (contentType) => {
    expect(isJsonInUtf8(contentType)).toBe(false);
  });
});

describe('jsonHazard', () => {
  const nested = (depth: number) => {
    let value: unknown = 1;
    for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
    return value;
  };

  test(`${MAX_JSON_DEPTH} levels of nesting pass, one more does not`, () => {
    expect(jsonHazard(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonHazard(nested(MAX_JSON_DEPTH + 1))).toMatchObject({ message: expect.stringContaining('nested') });
  });

  test('a million levels, or a cycle, end in a refusal, not a stack overflow', () => {
    expect(jsonHazard(nested(1_000_000))).toMatchObject({ message: expect.stringContaining('nested') });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(jsonHazard(cycle)).toMatchObject({ message: expect.stringContaining('nested') });
  });

  test('lone surrogates are found in values and keys at any depth, and named by their path', () => {
    expect(jsonHazard({ a: [{ b: 'x\udc00' }] })).toEqual({ field: 'a.0.b', message: expect.stringContaining('lone surrogate') });
    expect(jsonHazard({ a: { 'k\ud800': 'v' } })).toEqual({ field: 'a', message: expect.stringContaining('key') });
    expect(jsonHazard({ a: '\u{1f4a9}', b: ['\ud83d\udca9'] })).toBeUndefined();
    expect(jsonHazard({ a: 'x\udc00' }, { strings: 'any' })).toBeUndefined();
  });
});
