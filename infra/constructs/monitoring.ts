import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { InvocationOutcome } from '../../lambda/observability/invocation-log';
import { MetricName, Service } from '../../lambda/observability/metrics';
import { AWS_RECOVERY_INTERVAL_SECONDS } from '../../lambda/recovery/sweep';
import { addAuthorizerLogMetrics, type AuthorizerLogMetrics } from './authorizer-log-metrics';
import { createDashboard } from './monitoring-dashboard';
import { FIVE_MINUTES, product, RECOVERY_PERIOD, requests, TABLE_OPERATIONS } from './product-metrics';

export interface MonitoredFunction {
  /** Names its alarms and graphs, e.g. `Payments`. */
  readonly label: string;
  readonly function: lambda.Function;
}

/** The key authorizer (KeyAuthorizer): its function, and the log group its decision lines go to. */
export interface MonitoredAuthorizer {
  readonly function: lambda.Function;
  readonly logGroup: logs.ILogGroup;
}

export interface MonitoringProps {
  /** The payments function(s) and the recovery worker. */
  readonly functions: readonly MonitoredFunction[];
  /** Watched apart from `functions`: its Lambda errors include every refused key. */
  readonly authorizer: MonitoredAuthorizer;
  readonly table: dynamodb.ITable;
  readonly api: apigw.RestApi;
  /** Subscribed to the alarm topic when given (context `alarmEmail`); the address must confirm it. */
  readonly alarmEmail?: string;
}

/** Where each alarm's description sends the operator. */
const RUNBOOK = 'docs/operating.md';

/** A 5xx on one request in twenty: well above the transient noise a retrying client absorbs. */
export const API_5XX_RATE_THRESHOLD = 0.05;
/** A Lambda duration this close to its timeout means the next slow dependency turns into timeouts (and zombies). */
export const DURATION_NEAR_TIMEOUT_FRACTION = 0.8;
/** The SDK retries throttled requests; a few are absorbed, this many in five minutes are not. */
export const TABLE_THROTTLES_THRESHOLD = 5;
/** A failed attempt is deferred with backoff; several in a quarter hour means a record keeps failing. */
export const RECOVERY_FAILURES_THRESHOLD = 3;
/**
 * How long without a single recovery sweep before RecoveryNotRunning pages: fifteen missed
 * one-minute sweeps. Long enough that a deploy, a few crashed or throttled sweeps (their own
 * alarms) or EMF arriving a few minutes late never page; short next to what a stalled payment can
 * wait (the processor keeps its idempotency key for 24 h).
 */
export const RECOVERY_SILENCE = Duration.minutes(15);

/**
 * Alarms to an SNS topic and one dashboard for the product: the API's 5xx rate, each function's
 * errors, throttles and duration near its timeout, the authorizer's throttles, duration and
 * failures (from its log lines), the table's throttling and system errors, the store failing
 * requests, recovery failing, not running, and records that need attention. What each one means
 * and what to do: docs/operating.md.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  /** The same alarms by ARN, built from their names: what the dashboard names them by. */
  private readonly alarmArns: string[] = [];
  readonly dashboard: cloudwatch.Dashboard;
  /** The metrics drawn from the authorizer's log lines. */
  private readonly authorizerLogs: AuthorizerLogMetrics;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = this.alarmTopic(props.alarmEmail);

    const { api, table, authorizer } = props;
    this.alarm('Api5xxRate', api.metricServerError({ statistic: cloudwatch.Stats.AVERAGE, period: FIVE_MINUTES }), {
      threshold: API_5XX_RATE_THRESHOLD,
      description: 'More than 5% of API requests answered 5xx over 5 minutes.',
    });
    for (const { label, function: fn } of props.functions) {
      this.alarm(`${label}Errors`, fn.metricErrors({ period: FIVE_MINUTES }), {
        threshold: 1,
        description: `The ${label} function failed (crashed, timed out or ran out of memory): its handler answers every request, so any error is one.`,
      });
      this.functionAlarms(label, fn);
    }

    // No Errors alarm for the authorizer: every refused key throws `Unauthorized`, which Lambda
    // counts as an error, so bad keys would page. Its genuine failures are the lines it writes
    // before rethrowing; a crash or an out-of-memory writes none, but API Gateway answers it 500
    // (Api5xxRate), and a timeout is the duration alarm's.
    this.functionAlarms('Authorizer', authorizer.function);
    this.authorizerLogs = addAuthorizerLogMetrics(this, authorizer.logGroup);
    this.alarm('AuthorizerFailures', this.authorizerLogs.failures(FIVE_MINUTES), {
      threshold: 1,
      description: 'The key authorizer failed to decide (an `authorizer failed` log line: DynamoDB unreachable after the SDK retries...): API Gateway answered 500.',
    });
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
    // NeedsAttention ignores missing data, so a recovery that stopped running (a disabled or deleted
    // schedule, a worker that dies before it writes anything) would leave it silent forever. Every
    // sweep publishes RecoveryDue, a 0 included, even one that threw (the Lambda handler keeps
    // wrapRecovery's logIdleSweeps default; local mode's `false` would trip this): no sample in three
    // 5-minute periods in a row is no sweep at all, and missing data is exactly what this alarm is
    // about. Three short periods rather than one long one: the current, partly filled period alone
    // never trips it. A brand-new stack has no history yet and may raise it once in its first minutes.
    this.alarm('RecoveryNotRunning', product(MetricName.RecoveryDue, Service.Recovery, FIVE_MINUTES, { statistic: cloudwatch.Stats.SAMPLE_COUNT }), {
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: RECOVERY_SILENCE.toSeconds() / FIVE_MINUTES.toSeconds(),
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: `No recovery sweep reported for ${RECOVERY_SILENCE.toMinutes()} minutes (they run every ${AWS_RECOVERY_INTERVAL_SECONDS} s): stalled payments are not being recovered, and NeedsAttention can neither fire nor clear.`,
    });

    this.dashboard = createDashboard(this, { ...props, authorizerLogs: this.authorizerLogs, alarmArns: this.alarmArns });
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

  /** Throttles and duration near the timeout: what every function gets. */
  private functionAlarms(label: string, fn: lambda.Function): void {
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

  private alarm(
    id: string,
    metric: cloudwatch.IMetric,
    options: {
      threshold: number;
      description: string;
      treatMissingData?: cloudwatch.TreatMissingData;
      /** @default GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
      comparisonOperator?: cloudwatch.ComparisonOperator;
      /** @default 1 */
      evaluationPeriods?: number;
    },
  ): void {
    // Named after the stack, so the dashboard can name them by ARN without a GetAtt (an emulator
    // that does not create alarms, like the offline deploy test's, could not resolve one).
    const alarmName = `${Stack.of(this).stackName}-${id}`;
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName,
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: options.comparisonOperator ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
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
}
