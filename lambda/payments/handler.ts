import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { configFromEnv } from './config';
import { createPaymentsHandler } from './app';
import { createTelemetry, Service, stdoutLine } from '../observability';

// The edge: the environment is read once, and the clients are created once per container so warm
// invocations reuse their connections.
// One invocation at a time per execution environment: no AsyncLocalStorage needed to tell them apart.
const telemetry = createTelemetry({ service: Service.Payments, log: stdoutLine, invocations: 'sequential' });
const config = configFromEnv(process.env);
const client = telemetry.instrumentClient(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined }));

/** The Lambda entry point: a REST API proxy event or a direct-invocation payload. */
export const handler = telemetry.wrapHandler(createPaymentsHandler({ client, config, telemetry }));
