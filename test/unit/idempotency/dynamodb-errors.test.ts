import { marshall } from '@aws-sdk/util-dynamodb';
import { storeError } from '../../../lambda/idempotency/dynamodb-errors';
import { StoreRejectedError, StoreUnavailableError } from '../../../lambda/idempotency/errors';

const service = (name: string, status: number, fault: 'client' | 'server') =>
  Object.assign(new Error(`${name} (test)`), { name, $fault: fault, $metadata: { httpStatusCode: status } });

describe('what a retry can fix (503) and what it cannot (500 store_rejected)', () => {
  test.each([
    ['throttling', service('ThrottlingException', 400, 'client')],
    ['exceeded throughput', service('ProvisionedThroughputExceededException', 400, 'client')],
    ['a conflict with a transaction', service('TransactionConflictException', 400, 'client')],
    ['a conflict in another Region', service('ReplicatedWriteConflictException', 400, 'client')],
    ['DynamoDB failing', service('InternalServerError', 500, 'server')],
    ['a timed-out socket', Object.assign(new Error('socket timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' })],
  ])('%s is store_unavailable, with Retry-After', (_label, error) => {
    const mapped = storeError(error);
    expect(mapped).toBeInstanceOf(StoreUnavailableError);
    expect((mapped as StoreUnavailableError).headers['Retry-After']).toBe('1');
  });

  test.each([
    ['an invalid write', service('ValidationException', 400, 'client')],
    ['a missing table', service('ResourceNotFoundException', 400, 'client')],
    ['no permission', service('AccessDeniedException', 400, 'client')],
  ])('%s is store_rejected, without Retry-After', (_label, error) => {
    const mapped = storeError(error);
    expect(mapped).toBeInstanceOf(StoreRejectedError);
    expect((mapped as StoreRejectedError).headers).toEqual({});
  });

  test('a value the SDK refuses to marshal never reaches DynamoDB and no retry fixes it: store_rejected', () => {
    let refusal: unknown;
    try {
      marshall({ at: new Date() });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeDefined();
    expect(storeError(refusal)).toBeInstanceOf(StoreRejectedError);
  });
});
