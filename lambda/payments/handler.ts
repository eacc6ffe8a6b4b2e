import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { configFromEnv } from './config';
import { createPaymentsHandler } from './app';

// The edge: the environment is read once, and the clients are created once per container so warm
// invocations reuse their connections.
const config = configFromEnv(process.env);
const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined });

/** The Lambda entry point: a REST API proxy event or a direct-invocation payload. */
export const handler = createPaymentsHandler({ client, config });
