import { failedWriteUnits, readUnits, writeUnits } from '../../../bench/cost/capacity-units';
import { itemSizeBytes, numberSizeBytes } from '../../../lambda/idempotency/item-size';

// Expected sizes are worked out by hand from the Developer Guide's "DynamoDB item sizes and formats".
describe('DynamoDB item size', () => {
  test('a string counts the UTF-8 bytes of its name and of its value', () => {
    expect(itemSizeBytes({ pk: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSizeBytes({ név: { S: 'é€' } })).toBe(4 + 5); // é is 2 bytes, € is 3
  });

  test('a number is 1 byte per two significant digits plus 1, zeros at either end trimmed', () => {
    expect(numberSizeBytes('1000')).toBe(2); // "1": 1 digit
    expect(numberSizeBytes('123.45')).toBe(4); // 5 digits -> 3, + 1
    expect(numberSizeBytes('-0.00120')).toBe(2); // "12"
    expect(numberSizeBytes('1764000000')).toBe(3); // "1764": 2 + 1
    expect(numberSizeBytes('1764000000123')).toBe(8); // 13 digits -> 7, + 1
    expect(itemSizeBytes({ amount: { N: '1999' } })).toBe(6 + 3);
  });

  test('a binary counts its raw bytes, not its base64 text; null and Boolean are 1 byte', () => {
    expect(itemSizeBytes({ b: { B: new Uint8Array(10) } })).toBe(1 + 10);
    expect(itemSizeBytes({ ok: { BOOL: true }, no: { NULL: true } })).toBe(2 + 1 + 2 + 1);
  });

  test('a map or list is 3 bytes plus its elements, 1 byte more per element, map keys counted like names', () => {
    expect(itemSizeBytes({ e: { M: {} } })).toBe(1 + 3);
    expect(itemSizeBytes({ l: { L: [{ S: 'a' }, { BOOL: false }] } })).toBe(1 + 3 + (1 + 1) + (1 + 1));
    expect(itemSizeBytes({ m: { M: { a: { S: 'xy' }, b: { N: '5' } } } })).toBe(1 + 3 + (1 + 1 + 2) + (1 + 1 + 2));
    expect(itemSizeBytes({ r: { M: { h: { M: { k: { S: 'v' } } } } } })).toBe(1 + 3 + (1 + 1 + (3 + (1 + 1 + 1))));
  });

  test('a set is the sum of its elements', () => {
    expect(itemSizeBytes({ ss: { SS: ['ab', 'c'] }, ns: { NS: ['10', '200'] } })).toBe(2 + 3 + 2 + (2 + 2));
  });

  test('an idempotency-record-like item adds up attribute by attribute', () => {
    const item = {
      pk: { S: 'idem#["t","k"]' }, // 2 + 14
      status: { S: 'COMPLETED' }, // 6 + 9
      leaseUntilEpochMs: { N: '1764000000123' }, // 17 + 8
      response: { M: { statusCode: { N: '201' }, body: { S: '{}' } } }, // 8 + 3 + (1 + 10 + 3) + (1 + 4 + 2)
    };
    expect(itemSizeBytes(item)).toBe(16 + 15 + 25 + (8 + 3 + 14 + 7));
  });
});

describe('AWS capacity units', () => {
  test('a write is 1 unit per started KB of the larger of before and after, at least 1', () => {
    expect(writeUnits(0, 0)).toBe(1);
    expect(writeUnits(0, 1024)).toBe(1);
    expect(writeUnits(0, 1025)).toBe(2);
    expect(writeUnits(3000, 500)).toBe(3);
  });

  test('a transactional write costs twice; a failed condition bills the existing item', () => {
    expect(writeUnits(300, 715, true)).toBe(2);
    expect(writeUnits(0, 2048, true)).toBe(4);
    expect(failedWriteUnits(0)).toBe(1);
    expect(failedWriteUnits(102_594)).toBe(101);
  });

  test('a read is 1 unit per started 4 KB, half when eventually consistent', () => {
    expect(readUnits(4096, true)).toBe(1);
    expect(readUnits(4097, true)).toBe(2);
    expect(readUnits(100, false)).toBe(0.5);
  });
});
