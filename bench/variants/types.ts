import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { RequestMeter } from '../meter/request-meter';

export const VARIANT_NAMES = ['baseline', 'powertools', 'ours'] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

export const VARIANT_LABELS: Record<VariantName, string> = {
  baseline: 'no idempotency (unsafe floor)',
  powertools: 'Powertools makeIdempotent + DynamoDBPersistenceLayer',
  ours: 'ours (createPaymentsHandler)',
};

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** One way of serving POST /payments, against its own table, with its DynamoDB requests metered. */
export interface Variant {
  name: VariantName;
  client: DynamoDBClient;
  tableName: string;
  meter: RequestMeter;
  /**
   * A new handler instance, as a new Lambda container would build it: same client and table,
   * nothing cached in memory. Instances of one variant share the meter.
   */
  newInstance(): ProxyHandler;
}
