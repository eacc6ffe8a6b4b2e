import { parseRetryAfterMs } from '../../../client/retry-after';

describe('parseRetryAfterMs', () => {
  const nowEpochMs = Date.parse('2025-11-28T04:31:00Z');

  test.each<[string | null | undefined, number | undefined]>([
    [null, undefined],
    [undefined, undefined],
    ['', undefined],
    ['1', 1_000],
    ['0', 0],
    [' 11 ', 11_000],
    ['-1', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['Fri, 28 Nov 2025 04:31:30 GMT', 30_000],
    ['Fri, 28 Nov 2025 04:30:00 GMT', 0],
  ])('%p -> %p ms', (header, expected) => {
    expect(parseRetryAfterMs(header, nowEpochMs)).toBe(expected);
  });
});
