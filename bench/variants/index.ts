import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ensureTable, localDynamoDbClient } from '../../local/dynamodb-local';
import { createPaymentsHandler } from '../../lambda/payments/app';
import { configFromEnv } from '../../lambda/payments/config';
import { SimulatedProcessor } from '../../lambda/payments/simulated-processor';
import { meterRequests } from '../meter/request-meter';
import { createBaselineHandler } from './baseline';
import { createPowertoolsHandler } from './powertools';
import type { ProxyHandler, Variant, VariantName } from './types';

export interface VariantOptions {
  /** The simulated processor's delay after recording a charge (to hold a key in progress). @default 0 */
  processorLatencyMs?: number;
  /** @default true */
  createTable?: boolean;
}

/** Creates the variant's own client (metered) and table in the given DynamoDB Local (or a proxy in front of it). */
export async function createVariant(name: VariantName, endpoint: string, tableName: string, options: VariantOptions = {}): Promise<Variant> {
  const client = localDynamoDbClient(endpoint);
  if (options.createTable !== false) await ensureTable(client, tableName);
  const meter = meterRequests(client);
  const base = configFromEnv({ TABLE_NAME: tableName });
  const latencyMs = options.processorLatencyMs ?? 0;
  const config = { ...base, processor: { ...base.processor, latencyMs } };
  const newInstance = (): ProxyHandler => {
    if (name === 'baseline') return createBaselineHandler({ client, tableName });
    if (name === 'powertools') {
      const documentClient = DynamoDBDocumentClient.from(client);
      const processor = new SimulatedProcessor({ documentClient, tableName, latencyMs, failureRate: 0 });
      return createPowertoolsHandler({ client, tableName, ttlSeconds: config.idempotencyTtlSeconds, processor });
    }
    const handler = createPaymentsHandler({ client, config });
    return async (event, context) => (await handler(event, context)) as APIGatewayProxyResult;
  };
  return { name, client, tableName, meter, newInstance };
}
