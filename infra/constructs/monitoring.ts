import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { InvocationOutcome } from '../../lambda/observability/invocation-log';
import { Dimension, METRICS_NAMESPACE, MetricName, Service } from '../../lambda/observability/metrics';
import { ProcessorErrorKind } from '../../lambda/observability/scope';
import { AWS_RECOVERY_INTERVAL_SECONDS } from '../../lambda/recovery/sweep';

export interface MonitoredFunction {
  /** Names its alarms and graphs, e.g. `Payments`. */
  readonly label: string;
  readonly function: lambda.Function;
}

export interface MonitoringProps {
  /** The payments function(s) and the recovery worker. */
  readonly functions: readonly MonitoredFunction[];
  readonly table: dynamodb.ITable;
  readonly api: apigw.RestApi;
  /** Subscribed to the alarm topic when given (context `alarmEmail`); the address must confirm it. */
  readonly alarmEmail?: string;
}

/** Where each alarm's description sends the operator. */
const RUNBOOK = 'docs/operating.md';

const FIVE_MINUTES = Duration.minutes(5);
/** One recovery sweep each: the standing gauge has a value per sweep. */
const RECOVERY_PERIOD = Duration.seconds(AWS_RECOVERY_INTERVAL_SECONDS);

/** A 5xx on one request in twenty: well above the transient noise a retrying client absorbs. */
export const API_5XX_RATE_THRESHOLD = 0.05;
/** A Lambda duration this close to its timeout means the next slow dependency turns into timeouts (and zombies). */
export const DURATION_NEAR_TIMEOUT_FRACTION = 0.8;
/** The SDK retries throttled requests; a few are absorbed, this many in five minutes are not. */
export const TABLE_THROTTLES_THRESHOLD = 5;
/** A failed attempt is deferred with backoff; several in a quarter hour means a record keeps failing. */
export const RECOVERY_FAILURES_THRESHOLD = 3;

/** The operations the product sends to its table. */
const TABLE_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.TRANSACT_WRITE_ITEMS,
];

/**
 * Alarms to an SNS topic and one dashboard for the product: the API's 5xx rate, each function's
 * errors, throttles and duration near its timeout, the table's throttling and system errors, the
 * store failing requests, recovery failing and records that need attention. What each one means
 * and what to do: docs/operating.md.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The same alarms by ARN, built from their names: what the dashboard names them by. */
  private readonly alarmArns: string[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = this.alarmTopic(props.alarmEmail);

    const { api, table } = props;
    this.alarm('Api5xxRate', api.metricServerError({ statistic: cloudwatch.Stats.AVERAGE, period: FIVE_MINUTES }), {
      threshold: API_5XX_RATE_THRESHOLD,
      description: 'More than 5% of API requests answered 5xx over 5 minutes.',
    });
    for (const { label, function: fn } of props.functions) {
      this.alarm(`${label}Errors`, fn.metricErrors({ period: FIVE_MINUTES }), {
        threshold: 1,
        description: `The ${label} function failed (crashed, timed out or ran out of memory): its handler answers every request, so any error is one.`,
      });
      this.alarm(`${label}Throttles`, fn.metricThrottles({ period: FIVE_MINUTES }), {
        threshold: 1,
        description: `Lambda refused to run the ${label} function (concurrency limit reached).`,
      });
      const timeoutMs = (fn.timeout ?? Duration.seconds(3)).toMilliseconds();
      this.alarm(`${label}DurationNearTimeout`, fn.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM, period: FIVE_MINUTES }), {
        threshold: Math.round(timeoutMs * DURATION_NEAR_TIMEOUT_FRACTION),
        description: `An invocation of the ${label} function took over ${DURATION_NEAR_TIMEOUT_FRACTION * 100}% of its ${timeoutMs / 1000} s timeout.`,
      });
    }
    this.alarm('TableThrottled', table.metricThrottledRequestsForOperations({ operations: TABLE_OPERATIONS, period: FIVE_MINUTES }), {
      threshold: TABLE_THROTTLES_THRESHOLD,
      description: `DynamoDB throttled ${TABLE_THROTTLES_THRESHOLD} or more requests to the table in 5 minutes.`,
    });
    this.alarm('TableSystemErrors', table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, period: FIVE_MINUTES }), {
      threshold: 1,
      description: 'DynamoDB answered requests to the table with internal errors (5xx).',
    });
    this.alarm('StoreUnavailable', requests(Service.Payments, InvocationOutcome.StoreUnavailable), {
      threshold: 1,
      description: 'Clients got 503 store_unavailable: DynamoDB did not answer even after the SDK retries.',
    });
    this.alarm('RecoveryFailures', product(MetricName.RecoveryFailed, Service.Recovery, Duration.minutes(15)), {
      threshold: RECOVERY_FAILURES_THRESHOLD,
      description: `Recovery attempts failed ${RECOVERY_FAILURES_THRESHOLD} or more times in 15 minutes: a stalled payment keeps failing its re-drive.`,
    });
    // The standing gauge, not the count of new marks: the alarm stays on while any record needs
    // attention. No data (a sweep that did not run or could not count, or a schedule tick landing
    // in the next minute) keeps the alarm as it is: neither a false all-clear nor a false page.
    this.alarm('NeedsAttention', product(MetricName.NeedsAttentionStanding, Service.Recovery, RECOVERY_PERIOD, { statistic: cloudwatch.Stats.MAXIMUM }), {
      threshold: 1,
      description:
        'A payment that recovery gave up on (before the processor forgets its idempotency key) still needs attention: an operator must finish it. ' +
        'On until no record needs attention.',
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });

    this.dashboard = this.createDashboard(props);
  }

  /** Encrypted with a key of its own: CloudWatch cannot publish to a topic under the AWS-managed SNS key. */
  private alarmTopic(email: string | undefined): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', { description: 'Encrypts the payments alarm topic', enableKeyRotation: true });
    const account = Stack.of(this).account;
    const fromOwnAlarms = { StringEquals: { 'aws:SourceAccount': account } };
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromOwnAlarms,
      }),
    );
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Idempotent payments alarms', masterKey: key, enforceSSL: true });
    // enforceSSL gives the topic a policy of its own, which replaces the default one: let CloudWatch in.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromOwnAlarms,
      }),
    );
    if (email) topic.addSubscription(new subscriptions.EmailSubscription(email));
    return topic;
  }

  private alarm(id: string, metric: cloudwatch.IMetric, options: { threshold: number; description: string; treatMissingData?: cloudwatch.TreatMissingData }): void {
    // Named after the stack, so the dashboard can name them by ARN without a GetAtt (an emulator
    // that does not create alarms, like the offline deploy test's, could not resolve one).
    const alarmName = `${Stack.of(this).stackName}-${id}`;
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName,
      metric,
      threshold: options.threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Custom metrics are published only when something happens; no data is no trouble.
      treatMissingData: options.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${options.description} What to do: ${RUNBOOK}, "${id}".`,
    });
    const action = new actions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    this.alarmArns.push(Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: alarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
  }

  private createDashboard({ functions, table, api }: MonitoringProps): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });
    const percentiles = (metricName: string, label: string) =>
      ['p50', 'p90', 'p99'].map((statistic) => product(metricName, Service.Payments, Duration.minutes(1), { statistic, label: `${label} ${statistic}` }));
    const tableOps = { operations: TABLE_OPERATIONS, period: Duration.minutes(1) };

    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: this.alarmArns.map((arn, i) => cloudwatch.Alarm.fromAlarmArn(this, `AlarmRef${i}`, arn)),
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
    );
    return dashboard;
  }
}

function metric(metricName: string, dimensionsMap: Record<string, string>, period = FIVE_MINUTES, options: cloudwatch.MetricOptions = {}) {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap, statistic: cloudwatch.Stats.SUM, period, ...options });
}

/** A metric of the product's own, by service only. */
const product = (metricName: string, service: string, period = FIVE_MINUTES, options: cloudwatch.MetricOptions = {}) =>
  metric(metricName, { [Dimension.Service]: service }, period, options);

/** Requests of one service that ended with this outcome. */
const requests = (service: string, outcome: string, period = FIVE_MINUTES) =>
  metric(MetricName.Requests, { [Dimension.Service]: service, [Dimension.Outcome]: outcome }, period, { label: outcome });
