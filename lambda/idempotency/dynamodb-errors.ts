import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { StoreRejectedError, StoreUnavailableError } from './errors';

/**
 * Errors a retry can fix (throttling, DynamoDB's own faults, the network) are the 503 "store
 * unavailable"; everything else DynamoDB refused (a ValidationException, a missing table, no
 * permission) would fail the same way again, so it is a 500 without `Retry-After`.
 */
export function storeError(error: unknown, unavailableDetail?: string): Error {
  return isPermanent(error) ? new StoreRejectedError(error) : new StoreUnavailableError(error, unavailableDetail);
}

/** 400s from DynamoDB that say "not now" rather than "never": throttling and write conflicts. */
const TRANSIENT_CLIENT_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  // Multi-Region strongly consistent tables: a concurrent write in another Region.
  'ReplicatedWriteConflictException',
]);

/** How @aws-sdk/util-dynamodb words a value it will not marshal (undefined, a class instance, a function). */
const MARSHALL_REFUSAL = /^(Pass options\.|Unsupported type passed)/;

function isPermanent(error: unknown): boolean {
  const e = error as { name?: string; $fault?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (!e || TRANSIENT_CLIENT_ERRORS.has(e.name ?? '')) return false;
  // A 4xx answer DynamoDB gave on purpose.
  if (e.$fault === 'client' && (e.$metadata?.httpStatusCode ?? 0) >= 400) return true;
  // No answer at all: the network or a timeout (transient), or the SDK refusing to build the
  // request (a value it cannot marshal: a bug no retry fixes). Only the SDK's own errors carry $metadata.
  return e.$metadata === undefined && (error instanceof TypeError || MARSHALL_REFUSAL.test(String((error as Error).message)));
}

/** Cancellation reasons that say "not now" rather than "never": DynamoDB's capacity or a concurrent write. */
export const TRANSIENT_CANCELLATIONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'TransactionConflict']);

export interface CancellationReason {
  Code?: string;
  Item?: Record<string, AttributeValue>;
}

export const isConditionFailure = (error: unknown) => (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
export const isTransactionCanceled = (error: unknown) => (error as Error | undefined)?.name === 'TransactionCanceledException';
export const transactionReasons = (error: unknown) => ((error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? []);

