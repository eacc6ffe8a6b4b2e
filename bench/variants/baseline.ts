import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SimulatedProcessor } from '../../lambda/payments/simulated-processor';
import { paymentRunner, plainPaymentsHandler } from './plain-handler';
import type { ProxyHandler } from './types';

/**
 * The floor: the same validation, charge and payment write, with no idempotency at all. Every
 * request charges anew (a retry charges twice): unsafe, and only here to show the cost of safety.
 */
export function createBaselineHandler(options: { client: DynamoDBClient; tableName: string }): ProxyHandler {
  const documentClient = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
  const processor = new SimulatedProcessor({ documentClient, tableName: options.tableName, latencyMs: 0, failureRate: 0 });
  const run = paymentRunner({ documentClient, tableName: options.tableName, processor });
  return plainPaymentsHandler((call, context) => run(call, randomUUID(), context));
}
