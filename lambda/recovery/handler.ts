import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { createPaymentsApp } from '../payments/app';
import { configFromEnv } from '../payments/config';
import { createTelemetry, Service, stdoutLine } from '../observability';
import { AWS_RECOVERY_INTERVAL_SECONDS, createRecoverySweep } from './sweep';

// The edge: environment read once, clients created once per container, as in the payments function.
const telemetry = createTelemetry({ service: Service.Recovery, log: stdoutLine, invocations: 'sequential' });
const config = configFromEnv(process.env);
const client = telemetry.instrumentClient(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined }));
const app = createPaymentsApp({ client, config, telemetry });
const sweep = createRecoverySweep({
  app: { redrive: telemetry.wrapRedrive(app.redrive) },
  documentClient: DynamoDBDocumentClient.from(client),
  config,
  intervalMs: AWS_RECOVERY_INTERVAL_SECONDS * 1000,
  log: telemetry.recoveryLog,
});

/** Run by an EventBridge schedule every minute: one sweep within this invocation's time, one line and EMF document for it. */
export const handler = telemetry.wrapRecovery(async (_event: unknown, context: Context) => sweep(Date.now() + context.getRemainingTimeInMillis()));
