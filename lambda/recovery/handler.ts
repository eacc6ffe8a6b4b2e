import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { createPaymentsApp } from '../payments/app';
import { configFromEnv } from '../payments/config';
import { AWS_RECOVERY_INTERVAL_SECONDS, createRecoverySweep } from './sweep';

// The edge: environment read once, clients created once per container, as in the payments function.
const config = configFromEnv(process.env);
const client = new DynamoDBClient({ endpoint: process.env.DYNAMODB_ENDPOINT || undefined });
const sweep = createRecoverySweep({
  app: createPaymentsApp({ client, config }),
  documentClient: DynamoDBDocumentClient.from(client),
  config,
  intervalMs: AWS_RECOVERY_INTERVAL_SECONDS * 1000,
  log: (line) => console.log(JSON.stringify({ level: 'info', ...line })),
});

/** Run by an EventBridge schedule every minute: one sweep, within this invocation's time. */
export async function handler(_event: unknown, context: Context) {
  const summary = await sweep(Date.now() + context.getRemainingTimeInMillis());
  console.log(JSON.stringify({ level: 'info', message: 'recovery sweep', ...summary }));
  return summary;
}
