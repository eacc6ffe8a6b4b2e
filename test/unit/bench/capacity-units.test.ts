import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { indexEntry, indexWriteUnits, writeUnits } from '../../../bench/cost/capacity-units';
import { TableSchema } from '../../../lambda/shared/table';

const INDEX = TableSchema.paymentsIndex;
const record = (extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> => ({
  [TableSchema.partitionKey]: { S: 'idem#0123' },
  status: { S: 'IN_PROGRESS' },
  leaseToken: { S: 't'.repeat(36) },
  ...extra,
});
const listed = (payment = 'p', sortKey = '001#pay_1') =>
  record({ [INDEX.partitionKey]: { S: '["t",0]' }, [INDEX.sortKey]: { S: sortKey }, payment: { M: { id: { S: payment } } } });

describe('list-index write units', () => {
  test('an UpdateItem bills the larger of the item before and after it', () => {
    expect(writeUnits(1500, 300)).toBe(2);
    expect(writeUnits(300, 1025)).toBe(2);
    expect(writeUnits(0, 10)).toBe(1);
  });

  test('the entry holds the table key, the index keys and the projected payment, nothing else', () => {
    expect(Object.keys(indexEntry(listed())!).sort()).toEqual([TableSchema.partitionKey, INDEX.partitionKey, INDEX.sortKey, 'payment'].sort());
    expect(indexEntry(record())).toBeUndefined();
  });

  test('a write that gives an item its index keys puts one entry: one unit per started KB of the entry', () => {
    expect(indexWriteUnits(record(), listed())).toBe(1);
    expect(indexWriteUnits(undefined, listed('x'.repeat(1500)))).toBe(2);
  });

  test('an item outside the index, or a write that leaves its entry as it was, costs the index nothing', () => {
    expect(indexWriteUnits(record(), record({ status: { S: 'COMPLETED' } }))).toBe(0);
    expect(indexWriteUnits(listed(), { ...listed(), leaseToken: { S: 'other' } })).toBe(0);
  });

  test('a changed projected attribute is one write, a changed index key two, a removed entry one', () => {
    expect(indexWriteUnits(listed('a'), listed('b'))).toBe(1);
    expect(indexWriteUnits(listed('a', '001#pay_1'), listed('a', '002#pay_1'))).toBe(2);
    expect(indexWriteUnits(listed(), record())).toBe(1);
  });
});
