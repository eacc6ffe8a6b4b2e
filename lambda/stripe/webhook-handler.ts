import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { configFromEnv } from '../payments/config';
import { createStripeWebhookHandler } from './webhook';

// The edge, as in the payments function: environment read once, clients created once per container.
const config = configFromEnv(process.env);
const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined });

/** The Lambda entry point behind `POST /webhooks/stripe`. */
export const handler = createStripeWebhookHandler({ client, config });
