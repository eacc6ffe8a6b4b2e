import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { configFromEnv } from '../../lambda/payments/config';
import { createPowertoolsHandler } from '../variants/powertools';
import { observed } from '../variants/powertools-observed';
import type { ProxyHandler } from '../variants/types';

// bench/variants/powertools-entry.ts built on the first invocation, like bench/coldstart/lazy-entry.ts:
// the logger and metrics at module load (as ours makes its telemetry there), the rest on first use.
let built: ProxyHandler | undefined;

export const handler = observed((event: APIGatewayProxyEvent, context: Context) => {
  if (!built) {
    const config = configFromEnv(process.env);
    const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined });
    built = createPowertoolsHandler({ client, tableName: config.tableName, ttlSeconds: config.idempotencyTtlSeconds });
  }
  return built(event, context);
});
