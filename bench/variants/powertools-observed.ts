import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { ProxyHandler } from './types';

/**
 * Powertools' handler with the signals ours emits on every invocation: one structured log line
 * (Powertools Logger) and one EMF document (Powertools Metrics). Ours ships with its telemetry
 * on, so its cold start is compared with this, the bundle a Powertools user deploys to see the
 * same (bench/RESULTS.md, "Cold start").
 */
export function observed(inner: ProxyHandler): ProxyHandler {
  const logger = new Logger({ serviceName: 'payments' });
  const metrics = new Metrics({ namespace: 'IdempotentPayments', serviceName: 'payments' });
  return async (event: APIGatewayProxyEvent, context: Context) => {
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
