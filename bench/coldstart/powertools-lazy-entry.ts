import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { configFromEnv } from '../../lambda/payments/config';
import { createPowertoolsHandler, observed } from '../variants/powertools';
import type { ProxyHandler } from '../variants/plain-handler';

// bench/variants/powertools-entry.ts built on the first invocation, like ./lazy-entry.ts: logger and
// metrics at module load (as ours makes its telemetry there), the rest on first use.
let built: ProxyHandler | undefined;

export const handler = observed((event, context) => {
  if (!built) {
    const config = configFromEnv(process.env);
    const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined });
    built = createPowertoolsHandler({ client, tableName: config.tableName, ttlSeconds: config.idempotencyTtlSeconds });
  }
  return built(event, context);
});
