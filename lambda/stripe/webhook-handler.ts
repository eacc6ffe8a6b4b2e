import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTelemetry, Service, stdoutLine } from '../observability';
import { configFromEnv } from '../payments/config';
import { createStripeWebhookHandler } from './webhook';

// The edge, as in the payments function: environment read once, clients created once per container.
const telemetry = createTelemetry({ service: Service.Webhooks, log: stdoutLine, invocations: 'sequential' });
const config = configFromEnv(process.env);
const client = telemetry.instrumentClient(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined }));

/** The Lambda entry point behind `POST /webhooks/stripe`: one log line and one EMF document per event delivery. */
export const handler = telemetry.wrapHandler(createStripeWebhookHandler({ client, config, hooks: telemetry.hooks }));
