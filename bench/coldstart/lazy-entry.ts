import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { createPaymentsHandler } from '../../lambda/payments/app';
import { configFromEnv } from '../../lambda/payments/config';

// lambda/payments/handler.ts with nothing built at module load: configuration, client and handler
// are made by the first invocation, which pays for them instead of the init phase.
let built: ReturnType<typeof createPaymentsHandler> | undefined;

export const handler = (event: unknown, context: Context) => {
  built ??= createPaymentsHandler({ client: new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined }), config: configFromEnv(process.env) });
  return built(event, context);
};
