import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { configFromEnv } from '../../lambda/payments/config';
import { createPowertoolsHandler, observed } from './powertools';

// The Powertools equivalent of lambda/payments/handler.ts, bundled alike for the cold-start figures:
// configuration read once, client and handler built once per container, a log line and an EMF
// document per invocation, as ours writes.
const config = configFromEnv(process.env);
const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined });

export const handler = observed(createPowertoolsHandler({ client, tableName: config.tableName, ttlSeconds: config.idempotencyTtlSeconds }));
