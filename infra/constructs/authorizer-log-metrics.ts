import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AuthorizerLogMessage } from '../../lambda/auth/authorizer';
import { AuthFailure } from '../../lambda/auth/verify';
import { METRICS_NAMESPACE } from '../../lambda/observability/metrics';

// test/infra/monitoring.test.ts holds the patterns to lines the real authorizer writes.
export { AuthorizerLogMessage };

/**
 * Metrics the stack derives from the authorizer's log lines: the function publishes no EMF of its
 * own, and Lambda's `Errors` cannot tell a refused key (it throws `Unauthorized`) from a failure.
 * No `Service` dimension: a metric filter's dimensions come from fields of the line, and these
 * lines have none saying the service; the names say it.
 */
export const AuthorizerMetricName = {
  /** A failure other than a refusal (DynamoDB unreachable...): API Gateway answered 500. */
  Failures: 'AuthorizerFailures',
  /** A key refused (401), by `Reason`. */
  Refusals: 'AuthorizerRefusals',
} as const;

/** Why a key was refused (`reason` of the line, AuthFailure's values): a handful, set by our code, never by the client. */
export const REASON_DIMENSION = 'Reason';

/** `{ $.message = "authorizer failed" }`: the one line the authorizer writes before rethrowing a failure. */
export const AUTHORIZER_FAILED_PATTERN = logs.FilterPattern.stringValue('$.message', '=', AuthorizerLogMessage.Failed);
export const AUTHORIZER_UNAUTHORIZED_PATTERN = logs.FilterPattern.stringValue('$.message', '=', AuthorizerLogMessage.Unauthorized);

export interface AuthorizerLogMetrics {
  /** Sum of failed decisions. */
  failures(period: cloudwatch.MetricOptions['period'], label?: string): cloudwatch.Metric;
  /** Sum of refusals, one metric per reason. */
  refusalsByReason(period: cloudwatch.MetricOptions['period']): cloudwatch.Metric[];
}

/** Two metric filters on the authorizer's log group: failures and refusals. Creates `FailuresFilter` and `RefusalsFilter` in `scope`. */
export function addAuthorizerLogMetrics(scope: Construct, logGroup: logs.ILogGroup): AuthorizerLogMetrics {
  // No default value: a series appears only once something happened, as with the EMF metrics, and
  // a metric filter with dimensions may not have one anyway.
  new logs.MetricFilter(scope, 'FailuresFilter', {
    logGroup,
    filterPattern: AUTHORIZER_FAILED_PATTERN,
    metricNamespace: METRICS_NAMESPACE,
    metricName: AuthorizerMetricName.Failures,
    metricValue: '1',
    unit: cloudwatch.Unit.COUNT,
  });
  new logs.MetricFilter(scope, 'RefusalsFilter', {
    logGroup,
    filterPattern: AUTHORIZER_UNAUTHORIZED_PATTERN,
    metricNamespace: METRICS_NAMESPACE,
    metricName: AuthorizerMetricName.Refusals,
    metricValue: '1',
    unit: cloudwatch.Unit.COUNT,
    dimensions: { [REASON_DIMENSION]: '$.reason' },
  });
  const sum = (metricName: string, period: cloudwatch.MetricOptions['period'], options: cloudwatch.MetricOptions = {}) =>
    new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, statistic: cloudwatch.Stats.SUM, period, ...options });
  return {
    failures: (period, label) => sum(AuthorizerMetricName.Failures, period, { label }),
    refusalsByReason: (period) =>
      Object.values(AuthFailure).map((reason) =>
        sum(AuthorizerMetricName.Refusals, period, { dimensionsMap: { [REASON_DIMENSION]: reason }, label: `refused: ${reason}` }),
      ),
  };
}
