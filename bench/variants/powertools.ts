import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import type { HttpResponse } from '../../lambda/http/types';
import { KeyReusedError, RequestInProgressError, StoreUnavailableError } from '../../lambda/idempotency/errors';
import { replay } from '../../lambda/idempotency/middleware';
import type { PaymentProcessor } from '../../lambda/payments/processor';
import { SimulatedProcessor } from '../../lambda/payments/simulated-processor';
import { TableSchema } from '../../lambda/shared/table';
import { type PaymentCall, paymentRunner, plainPaymentsHandler } from './plain-handler';
import type { ProxyHandler } from './types';

/** Powertools prefixes its hashed keys with this (by default, the function name) and `#`. */
export const POWERTOOLS_KEY_PREFIX = 'payments#';

export interface PowertoolsHandlerOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Retention of a key, as ours: `IDEMPOTENCY_TTL_SECONDS`. */
  ttlSeconds: number;
  /**
   * Powertools' in-memory LRU of COMPLETED records: the like-for-like of ours' warm replay cache.
   * @default true
   */
  useLocalCache?: boolean;
  processor?: PaymentProcessor;
}

/** What Powertools hashes: the key from `[tenant, key]`, the payload check from the rest. */
interface IdempotentInput {
  tenant: string;
  key: string;
  method: string;
  path: string;
  /** The parsed body: Powertools sorts object keys before hashing, so key order does not count. */
  body: unknown;
  call: PaymentCall;
}

/**
 * POST /payments with Powertools for AWS Lambda's idempotency utility: `makeIdempotent` around the
 * payment, `DynamoDBPersistenceLayer` on the same table layout (partition key `pk`), keyed on the
 * tenant and Idempotency-Key, validating method, path and canonical body. Its errors are mapped to
 * our 409/422/503 and replays carry `Idempotent-Replayed`, so the answers match ours.
 */
export function createPowertoolsHandler(options: PowertoolsHandlerOptions): ProxyHandler {
  const documentClient = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
  const processor =
    options.processor ?? new SimulatedProcessor({ documentClient, tableName: options.tableName, latencyMs: 0, failureRate: 0 });
  const run = paymentRunner({ documentClient, tableName: options.tableName, processor });

  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    keyAttr: TableSchema.partitionKey,
    awsSdkV3Client: options.client,
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[tenant, key]',
    payloadValidationJmesPath: '[method, path, body]',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.ttlSeconds,
    useLocalCache: options.useLocalCache ?? true,
    responseHook: (response) => replay(response as unknown as HttpResponse) as never,
  });
  const idempotentPayment = makeIdempotent(
    // Powertools has no execution id: the charge key is derived from the (tenant, key) pair instead.
    (input: IdempotentInput, context: Context) => run(input.call, executionIdFor(input.tenant, input.key), context),
    { persistenceStore, config, keyPrefix: POWERTOOLS_KEY_PREFIX.slice(0, -1) },
  );

  return plainPaymentsHandler(async (call, context) => {
    const { method, path, tenant, parsedBody } = call.request;
    const input: IdempotentInput = { tenant, key: call.key, method, path, body: parsedBody, call };
    return (await idempotentPayment(input, context)) as HttpResponse;
  }, mapPowertoolsError);
}

function mapPowertoolsError(error: unknown): unknown {
  if (error instanceof IdempotencyAlreadyInProgressError) return new RequestInProgressError(0);
  if (error instanceof IdempotencyValidationError) return new KeyReusedError();
  if (error instanceof IdempotencyPersistenceLayerError) return new StoreUnavailableError(error);
  return error;
}

/** A UUID-shaped id that is the same for every request with this (tenant, key). */
function executionIdFor(tenant: string, key: string): string {
  const hex = createHash('sha256').update(JSON.stringify([tenant, key])).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
