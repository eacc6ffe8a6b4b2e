import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { createPaymentsHandler } from '../../lambda/payments/app';
import { configFromEnv } from '../../lambda/payments/config';
import { createTelemetry, Service, stdoutLine } from '../../lambda/observability';

// lambda/payments/handler.ts with only its telemetry built at module load: configuration, client
// and handler are made by the first invocation, which pays for them instead of the init phase.
const telemetry = createTelemetry({ service: Service.Payments, log: stdoutLine, invocations: 'sequential' });
let built: ReturnType<typeof createPaymentsHandler> | undefined;

export const handler = telemetry.wrapHandler((event: unknown, context: Context) => {
  built ??= createPaymentsHandler({
    client: telemetry.instrumentClient(new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined })),
    config: configFromEnv(process.env),
    telemetry,
  });
  return built(event, context);
});
