import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyAlreadyInProgressError, IdempotencyConfig, IdempotencyPersistenceLayerError, IdempotencyValidationError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { HttpResponse } from '../../lambda/http/types';
import { KeyReusedError, RequestInProgressError, StoreUnavailableError } from '../../lambda/idempotency/errors';
import { replay } from '../../lambda/idempotency/middleware';
import { TableSchema } from '../../lambda/shared/table';
import { type PaymentCall, paymentRunner, plainPaymentsHandler, type ProxyHandler } from './plain-handler';

/** Powertools prefixes its hashed keys with this (by default, the function name) and `#`. */
export const POWERTOOLS_KEY_PREFIX = 'payments#';

/** `ttlSeconds`: a key's retention, as ours' `IDEMPOTENCY_TTL_SECONDS`; `processorLatencyMs` @default 0. */
export type PowertoolsHandlerOptions = { client: DynamoDBClient; tableName: string; ttlSeconds: number; processorLatencyMs?: number };

/** What Powertools hashes: the key from `[tenant, key]`, the payload check from method, path and body. */
type IdempotentInput = { tenant: string; key: string; method: string; path: string; body: unknown; call: PaymentCall };

/**
 * POST /payments with Powertools' idempotency utility: `makeIdempotent` around the payment,
 * `DynamoDBPersistenceLayer` on our table layout, keyed on `[tenant, key]`, validating method, path
 * and parsed body (Powertools sorts keys before hashing), its LRU cache on (the like-for-like of
 * ours' warm replay cache). Errors map to our 409/422/503 and replays carry `Idempotent-Replayed`.
 */
export function createPowertoolsHandler(options: PowertoolsHandlerOptions): ProxyHandler {
  const run = paymentRunner(options.client, options.tableName, options.processorLatencyMs ?? 0);
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName: options.tableName, keyAttr: TableSchema.partitionKey, awsSdkV3Client: options.client });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[tenant, key]',
    payloadValidationJmesPath: '[method, path, body]',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.ttlSeconds,
    useLocalCache: true,
    responseHook: (response) => replay(response as unknown as HttpResponse) as never,
  });
  // Powertools has no execution id: the charge key is derived from the (tenant, key) pair instead.
  const idempotent = { persistenceStore, config, keyPrefix: POWERTOOLS_KEY_PREFIX.slice(0, -1) };
  const payment = makeIdempotent((input: IdempotentInput, context: Context) => run(input.call, executionIdFor(input.tenant, input.key), context), idempotent);
  return plainPaymentsHandler(async (call, context) => {
    const { method, path, tenant, parsedBody: body } = call.request;
    return (await payment({ tenant, key: call.key, method, path, body, call }, context)) as HttpResponse;
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

/**
 * Powertools' handler with the signals ours emits per invocation: a log line (Powertools Logger)
 * and an EMF document (Powertools Metrics). Ours ships with its telemetry on, so its cold start is
 * compared with this, what a Powertools user deploys to see the same.
 */
export function observed(inner: ProxyHandler): ProxyHandler {
  const logger = new Logger({ serviceName: 'payments' });
  const metrics = new Metrics({ namespace: 'IdempotentPayments', serviceName: 'payments' });
  return async (event, context) => {
    const startedMs = performance.now();
    logger.addContext(context);
    metrics.captureColdStartMetric();
    const result = await inner(event, context);
    const durationMs = performance.now() - startedMs;
    logger.info('invocation', { status: result.statusCode, durationMs });
    metrics.addDimension('Status', String(result.statusCode));
    metrics.addMetric('Requests', MetricUnit.Count, 1);
    metrics.addMetric('Latency', MetricUnit.Milliseconds, durationMs);
    metrics.publishStoredMetrics();
    return result;
  };
}
