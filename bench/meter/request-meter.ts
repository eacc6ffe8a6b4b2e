import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** What one variant sent to DynamoDB since the last reset: requests and their time, by operation. */
export interface MeterSnapshot {
  /** Requests by operation (PutItem, TransactWriteItems, ...); an SDK retry does not count twice. */
  counts: Record<string, number>;
  /** Summed wall time of those requests, by operation, in ms (SDK retries included). */
  elapsedMs: Record<string, number>;
}

export interface RequestMeter {
  snapshot(): MeterSnapshot;
  reset(): void;
}

/**
 * Counts and times the DynamoDB requests a client sends, per operation. It sits at the initialize
 * step, like test/helpers/request-counter.ts, so one call counts once however often the SDK retries.
 */
export function meterRequests(client: DynamoDBClient): RequestMeter {
  let counts: Record<string, number> = {};
  let elapsedMs: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts[operation] = (counts[operation] ?? 0) + 1;
      const startedMs = performance.now();
      try {
        return await next(args);
      } finally {
        elapsedMs[operation] = (elapsedMs[operation] ?? 0) + performance.now() - startedMs;
      }
    },
    { step: 'initialize', name: 'benchRequestMeter' },
  );
  return {
    snapshot: () => ({ counts: { ...counts }, elapsedMs: { ...elapsedMs } }),
    reset: () => {
      counts = {};
      elapsedMs = {};
    },
  };
}

export const totalRequests = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
