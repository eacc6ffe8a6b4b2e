import { AWS_LATENCY_MS, modelledDelayMs, operationOf } from '../../../bench/latency/proxy';

describe('latency model', () => {
  test('the operation is read from X-Amz-Target', () => {
    expect(operationOf('DynamoDB_20120810.PutItem')).toBe('PutItem');
    expect(operationOf(undefined)).toBe('');
  });

  test('single-digit milliseconds for single-item operations, reads below writes, a transaction above both', () => {
    for (const op of ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']) expect(modelledDelayMs(op)).toBeLessThan(10);
    expect(modelledDelayMs('GetItem')).toBeLessThan(modelledDelayMs('PutItem'));
    expect(modelledDelayMs('PutItem')).toBe(modelledDelayMs('UpdateItem'));
    expect(modelledDelayMs('TransactWriteItems')).toBeGreaterThanOrEqual(2 * AWS_LATENCY_MS.PutItem!);
  });

  test('table set-up and anything not modelled passes without delay', () => {
    expect(modelledDelayMs('CreateTable')).toBe(0);
    expect(modelledDelayMs('')).toBe(0);
  });
});
