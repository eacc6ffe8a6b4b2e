import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { ensureTable, localDynamoDbClient } from '../../local/dynamodb-local';
import { createPaymentsHandler } from '../../lambda/payments/app';
import { configFromEnv } from '../../lambda/payments/config';
import { meterRequests, type RequestMeter } from '../load/meters';
import { paymentRunner, plainPaymentsHandler, type ProxyHandler } from './plain-handler';
import { createPowertoolsHandler } from './powertools';

export type { ProxyHandler } from './plain-handler';

export const VARIANT_NAMES = ['baseline', 'powertools', 'ours'] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

export const VARIANT_LABELS: Record<VariantName, string> = {
  baseline: 'no idempotency (unsafe floor)',
  powertools: 'Powertools makeIdempotent + DynamoDBPersistenceLayer',
  ours: 'ours (createPaymentsHandler)',
};

/**
 * One way of serving POST /payments, against its own table, with its DynamoDB requests metered.
 * `newInstance()`: a new handler, as a new Lambda container builds it (same client and table, nothing cached).
 */
export type Variant = { name: VariantName; client: DynamoDBClient; tableName: string; meter: RequestMeter; newInstance(): ProxyHandler };

/** `processorLatencyMs`: the simulated processor's delay after recording a charge, to hold a key in progress. */
export type VariantOptions = { processorLatencyMs?: number; createTable?: boolean };

/**
 * The variant's own client (metered) and table in the given DynamoDB Local, or a proxy in front of
 * it. All three share validation, the simulated processor, the payment logic and the HTTP answers;
 * the baseline has no idempotency at all (a retry charges twice) and is only the floor.
 */
export async function createVariant(name: VariantName, endpoint: string, tableName: string, options: VariantOptions = {}): Promise<Variant> {
  const client = localDynamoDbClient(endpoint);
  if (options.createTable !== false) await ensureTable(client, tableName);
  const meter = meterRequests(client);
  const latencyMs = options.processorLatencyMs ?? 0;
  const base = configFromEnv({ TABLE_NAME: tableName });
  const config = { ...base, processor: { ...base.processor, latencyMs } };
  const newInstance = (): ProxyHandler => {
    if (name === 'powertools') return createPowertoolsHandler({ client, tableName, ttlSeconds: config.idempotencyTtlSeconds, processorLatencyMs: latencyMs });
    if (name === 'baseline') {
      const run = paymentRunner(client, tableName, latencyMs);
      return plainPaymentsHandler((call, context) => run(call, randomUUID(), context));
    }
    const handler = createPaymentsHandler({ client, config });
    return async (event, context) => (await handler(event, context)) as APIGatewayProxyResult;
  };
  return { name, client, tableName, meter, newInstance };
}
