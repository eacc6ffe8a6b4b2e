import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { InvocationOutcome } from '../../lambda/observability/invocation-log';
import { Dimension, MetricName, Service } from '../../lambda/observability/metrics';
import { ProcessorErrorKind } from '../../lambda/observability/scope';
import type { AuthorizerLogMetrics } from './authorizer-log-metrics';
import type { MonitoringProps } from './monitoring';
import { metric, product, RECOVERY_PERIOD, requests, TABLE_OPERATIONS } from './product-metrics';

export interface DashboardInput extends MonitoringProps {
  readonly authorizerLogs: AuthorizerLogMetrics;
  /** Every alarm's ARN, built from its name: the status widget names them so, with no GetAtt. */
  readonly alarmArns: readonly string[];
}

/**
 * The product's one dashboard (docs/operating.md, "The dashboard"), top to bottom: alarm status,
 * outcomes, latency, processor errors, recovery, table health, the API, the functions, the
 * authorizer. Creates `Dashboard` and an `AlarmRef<n>` per alarm in `scope`.
 */
export function createDashboard(scope: Construct, { functions, table, api, authorizer, authorizerLogs, alarmArns }: DashboardInput): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', { defaultInterval: Duration.hours(3) });
  const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
    new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });
  const percentiles = (metricName: string, label: string) =>
    ['p50', 'p90', 'p99'].map((statistic) => product(metricName, Service.Payments, Duration.minutes(1), { statistic, label: `${label} ${statistic}` }));
  const tableOps = { operations: TABLE_OPERATIONS, period: Duration.minutes(1) };

  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({
      title: 'Alarms',
      alarms: alarmArns.map((arn, i) => cloudwatch.Alarm.fromAlarmArn(scope, `AlarmRef${i}`, arn)),
      width: 24,
      height: 3,
    }),
    graph(
      'Outcomes (requests per minute)',
      Object.values(InvocationOutcome).map((outcome) => requests(Service.Payments, outcome, Duration.minutes(1))),
      { stacked: true },
    ),
    graph('Latency percentiles (ms)', [...percentiles(MetricName.Latency, 'handler'), ...percentiles(MetricName.ProcessorLatency, 'processor')], {
      right: [api.metricLatency({ statistic: 'p99', period: Duration.minutes(1), label: 'API Gateway p99' })],
    }),
    graph(
      'Processor errors by kind',
      Object.values(ProcessorErrorKind).map((kind) =>
        metric(MetricName.ProcessorErrors, { [Dimension.Service]: Service.Payments, [Dimension.ErrorKind]: kind }, Duration.minutes(1), { label: kind }),
      ),
      { right: [product(MetricName.ProcessorDeclines, Service.Payments, Duration.minutes(1), { label: 'declines' })] },
    ),
    graph(
      'Recovery',
      [MetricName.RecoveryDue, MetricName.Recovered, MetricName.RecoveryFailed, MetricName.NeedsAttention, MetricName.RecoverySkipped, MetricName.RecoverySweepErrors].map(
        (name) => product(name, Service.Recovery, Duration.minutes(5)),
      ),
      { right: [product(MetricName.NeedsAttentionStanding, Service.Recovery, RECOVERY_PERIOD, { statistic: cloudwatch.Stats.MAXIMUM, label: 'needing attention now' })] },
    ),
    // Two graphs: the per-operation sums of throttles and of system errors cannot share one.
    graph('Table health: throttling', [
      table.metricThrottledRequestsForOperations({ ...tableOps, label: 'throttled requests' }),
      table.metric('ReadThrottleEvents', { statistic: 'Sum', period: Duration.minutes(1) }),
      table.metric('WriteThrottleEvents', { statistic: 'Sum', period: Duration.minutes(1) }),
    ]),
    graph('Table health: system errors and capacity', [table.metricSystemErrorsForOperations({ ...tableOps, label: 'system errors' })], {
      right: [table.metricConsumedReadCapacityUnits({ period: Duration.minutes(1) }), table.metricConsumedWriteCapacityUnits({ period: Duration.minutes(1) })],
    }),
    graph('API requests and errors', [api.metricCount({ period: Duration.minutes(1) }), api.metricClientError({ period: Duration.minutes(1) }), api.metricServerError({ period: Duration.minutes(1) })]),
    graph(
      'Functions: errors, throttles, p99 duration',
      functions.flatMap(({ label, function: fn }) => [
        fn.metricErrors({ period: Duration.minutes(1), label: `${label} errors` }),
        fn.metricThrottles({ period: Duration.minutes(1), label: `${label} throttles` }),
      ]),
      { right: functions.map(({ label, function: fn }) => fn.metricDuration({ statistic: 'p99', period: Duration.minutes(1), label: `${label} p99 ms` })) },
    ),
    // API Gateway caches each key's answer (AUTHORIZER_CACHE_TTL_SECONDS): invocations count keys a minute, not requests.
    graph(
      'Authorizer decisions (per minute)',
      [
        authorizer.function.metricInvocations({ period: Duration.minutes(1), label: 'invocations' }),
        ...authorizerLogs.refusalsByReason(Duration.minutes(1)),
        authorizerLogs.failures(Duration.minutes(1), 'failures'),
      ],
      { right: [authorizer.function.metricThrottles({ period: Duration.minutes(1), label: 'throttles' })] },
    ),
    graph(
      'Authorizer duration (ms)',
      ['p50', 'p99'].map((statistic) => authorizer.function.metricDuration({ statistic, period: Duration.minutes(1), label: statistic })),
    ),
  );
  return dashboard;
}
