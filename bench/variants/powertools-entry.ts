import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { configFromEnv } from '../../lambda/payments/config';
import { createPowertoolsHandler } from './powertools';
import { observed } from './powertools-observed';

// The Powertools equivalent of lambda/payments/handler.ts, bundled the same way for the cold-start
// figures: configuration read once, client and handler built once per container, and a log line
// and an EMF document per invocation, as ours writes.
const config = configFromEnv(process.env);
const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined });

export const handler = observed(createPowertoolsHandler({ client, tableName: config.tableName, ttlSeconds: config.idempotencyTtlSeconds }));
