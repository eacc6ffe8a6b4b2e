import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { monotonicMs } from '../idempotency/hooks';
import { currentRecorder } from './scope';

/** Named, so instrumenting a client twice replaces the middleware instead of counting twice. */
export const DYNAMODB_CALLS_MIDDLEWARE = 'observabilityDynamoDbCalls';

interface SdkMetadata {
  $metadata?: { attempts?: number };
}

/**
 * Counts every DynamoDB call the client sends (the document client built on it included) into the
 * invocation running it. At the initialize step, so one call counts once however often the SDK
 * retries it; the attempts come from the SDK's own `$metadata`. Calls outside any recorded
 * invocation (local mode's start-up) pass through untouched.
 */
export function instrumentDynamoDbClient<C extends Pick<DynamoDBClient, 'middlewareStack'>>(client: C, clock: () => number = monotonicMs): C {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const recorder = currentRecorder();
      if (!recorder) return next(args);
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      const startedAtMs = clock();
      try {
        const result = await next(args);
        const attempts = (result.output as SdkMetadata | undefined)?.$metadata?.attempts ?? 1;
        recorder.recordDynamoDb({ operation, attempts, durationMs: clock() - startedAtMs });
        return result;
      } catch (error) {
        const attempts = (error as SdkMetadata | undefined)?.$metadata?.attempts ?? 1;
        recorder.recordDynamoDb({ operation, attempts, durationMs: clock() - startedAtMs, errorName: (error as Error | undefined)?.name ?? 'Error' });
        throw error;
      }
    },
    { step: 'initialize', name: DYNAMODB_CALLS_MIDDLEWARE, override: true },
  );
  return client;
}
