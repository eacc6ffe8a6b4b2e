import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  API_5XX_RATE_THRESHOLD,
  DURATION_NEAR_TIMEOUT_FRACTION,
  Monitoring,
  RECOVERY_FAILURES_THRESHOLD,
  TABLE_THROTTLES_THRESHOLD,
} from '../../infra/constructs/monitoring';
import { InvocationOutcome } from '../../lambda/observability/invocation-log';
import { METRICS_NAMESPACE, MetricName, Service } from '../../lambda/observability/metrics';
import { recoverySweepMetrics } from '../../lambda/observability/recovery-log';
import { AWS_RECOVERY_INTERVAL_SECONDS } from '../../lambda/recovery/sweep';

type Resource = { Type: string; Properties: Record<string, any> };

/** The construct with just enough around it: a table, two functions and a REST API. */
function synth(alarmEmail?: string) {
  const app = new App();
  const stack = new Stack(app, 'MonitoringTest', { env: { account: '123456789012', region: 'eu-west-1' } });
  const table = new dynamodb.Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
  });
  const fn = (id: string, seconds: number) =>
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 })'),
      timeout: Duration.seconds(seconds),
    });
  const payments = fn('Payments', 10);
  const recovery = fn('Recovery', 55);
  const api = new apigw.RestApi(stack, 'Api', { deployOptions: { stageName: 'v1' } });
  api.root.addMethod('GET', new apigw.LambdaIntegration(payments));
  const monitoring = new Monitoring(stack, 'Monitoring', {
    functions: [
      { label: 'Payments', function: payments },
      { label: 'Recovery', function: recovery },
    ],
    table,
    api,
    alarmEmail,
  });
  return { app, stack, monitoring, template: Template.fromStack(stack) };
}

const { template, monitoring, stack } = synth('oncall@example.com');
const alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
const topicId = Object.keys(template.findResources('AWS::SNS::Topic'))[0]!;

/** The alarm whose construct id is `id` (logical ids are hashed; the path is not). */
function alarm(id: string): Resource {
  const construct = monitoring.node.findChild(id);
  const logicalId = stack.getLogicalId(construct.node.defaultChild as never);
  const found = alarms[logicalId];
  expect(found).toBeDefined();
  return found!;
}

/** Metric name, namespace and dimension names of an alarm on one metric, or of each metric in its math. */
function metricsOf(resource: Resource): { name: string; namespace: string; dimensions: Record<string, unknown> }[] {
  const p = resource.Properties;
  if (p.MetricName) {
    return [{ name: p.MetricName, namespace: p.Namespace, dimensions: Object.fromEntries(p.Dimensions.map((d: any) => [d.Name, d.Value])) }];
  }
  return (p.Metrics as any[])
    .filter((m) => m.MetricStat)
    .map((m) => ({
      name: m.MetricStat.Metric.MetricName,
      namespace: m.MetricStat.Metric.Namespace,
      dimensions: Object.fromEntries(m.MetricStat.Metric.Dimensions.map((d: any) => [d.Name, d.Value])),
    }));
}

describe('alarms', () => {
  // Missing data: `notBreaching` where a metric appears only when something happened; `ignore` for
  // the standing gauge, which a sweep publishes each minute (no data says nothing about the records).
  const missingData = (id: string) => (id === 'NeedsAttention' ? 'ignore' : 'notBreaching');
  const expected: [id: string, metric: string, namespace: string, threshold: number][] = [
    ['Api5xxRate', '5XXError', 'AWS/ApiGateway', API_5XX_RATE_THRESHOLD],
    ['PaymentsErrors', 'Errors', 'AWS/Lambda', 1],
    ['PaymentsThrottles', 'Throttles', 'AWS/Lambda', 1],
    ['PaymentsDurationNearTimeout', 'Duration', 'AWS/Lambda', 10_000 * DURATION_NEAR_TIMEOUT_FRACTION],
    ['RecoveryErrors', 'Errors', 'AWS/Lambda', 1],
    ['RecoveryThrottles', 'Throttles', 'AWS/Lambda', 1],
    ['RecoveryDurationNearTimeout', 'Duration', 'AWS/Lambda', 55_000 * DURATION_NEAR_TIMEOUT_FRACTION],
    ['TableThrottled', 'ThrottledRequests', 'AWS/DynamoDB', TABLE_THROTTLES_THRESHOLD],
    ['TableSystemErrors', 'SystemErrors', 'AWS/DynamoDB', 1],
    ['StoreUnavailable', MetricName.Requests, METRICS_NAMESPACE, 1],
    ['RecoveryFailures', MetricName.RecoveryFailed, METRICS_NAMESPACE, RECOVERY_FAILURES_THRESHOLD],
    ['NeedsAttention', MetricName.NeedsAttentionStanding, METRICS_NAMESPACE, 1],
  ];

  test.each(expected)('%s watches %s (%s) from threshold %d and notifies the topic on alarm and on recovery', (id, metricName, namespace, threshold) => {
    const { Properties: p } = alarm(id);
    const metrics = metricsOf(alarm(id));
    expect(metrics.length).toBeGreaterThan(0);
    for (const m of metrics) expect([m.name, m.namespace]).toEqual([metricName, namespace]);
    expect(p.Threshold).toBe(threshold);
    expect(p.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect(p.TreatMissingData).toBe(missingData(id));
    expect(p.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(p.OKActions).toEqual([{ Ref: topicId }]);
    expect(p.AlarmDescription).toContain(`docs/operating.md, "${id}"`);
  });

  test('docs/operating.md has a section for each, where its description sends the operator', () => {
    const headings = readFileSync(join(__dirname, '../../docs/operating.md'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('#### '))
      .map((line) => line.slice(5).trim());
    expect(expected.map(([id]) => id).filter((id) => !headings.includes(id))).toEqual([]);
  });

  test('there is no alarm beyond those, each named after its stack (so the dashboard can name it by ARN)', () => {
    expect(Object.keys(alarms)).toHaveLength(expected.length);
    for (const resource of Object.values(alarms)) expect(resource.Properties.AlarmName).toMatch(/^MonitoringTest-[A-Za-z0-9]+$/);
  });

  test('the 5xx alarm is a rate (the average of API Gateway 5XXError), not a count', () => {
    expect(alarm('Api5xxRate').Properties.Statistic).toBe('Average');
  });

  test('the store alarm counts 503 store_unavailable outcomes of the payments service only: low-cardinality dimensions', () => {
    expect(metricsOf(alarm('StoreUnavailable'))[0]!.dimensions).toEqual({ Service: 'payments', Outcome: InvocationOutcome.StoreUnavailable });
    expect(metricsOf(alarm('NeedsAttention'))[0]!.dimensions).toEqual({ Service: 'recovery' });
  });

  test('table alarms cover every operation the product sends', () => {
    const operations = metricsOf(alarm('TableThrottled')).map((m) => m.dimensions.Operation);
    expect(operations.sort()).toEqual(['GetItem', 'PutItem', 'Query', 'TransactWriteItems', 'UpdateItem']);
  });
});

describe('alarm topic', () => {
  test('is encrypted with a rotated key that CloudWatch alarms of this account may use', () => {
    const [topic] = Object.values(template.findResources('AWS::SNS::Topic')) as Resource[];
    const keyId = topic!.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = template.findResources('AWS::KMS::Key')[keyId] as Resource;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      }),
    );
  });

  test('refuses publishing without TLS and lets CloudWatch publish', () => {
    const [policy] = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as Resource[];
    const statements = policy!.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }));
  });

  test('has an email subscription only when alarmEmail is given', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: topicId } });
    expect(Object.keys(synth().template.findResources('AWS::SNS::Subscription'))).toEqual([]);
  });
});

describe('dashboard', () => {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
  // The body is a Fn::Join of text and references; the text is enough to read the widgets.
  const body = JSON.stringify(dashboard!.Properties.DashboardBody);

  test('is named by CloudFormation', () => {
    expect(dashboard!.Properties.DashboardName).toBeUndefined();
  });

  test.each(['Alarms', 'Outcomes', 'Latency percentiles', 'Processor errors', 'Recovery', 'Table health', 'API requests', 'Functions'])('has a %s widget', (title) => {
    expect(body).toContain(`"title\\":\\"${title}`);
  });

  test('graphs a count for every outcome, latency percentiles, processor errors and recovery results', () => {
    for (const outcome of Object.values(InvocationOutcome)) expect(body).toContain(`\\"Outcome\\",\\"${outcome}\\"`);
    for (const statistic of ['p50', 'p90', 'p99']) expect(body).toMatch(new RegExp(`Latency[^\\]]*\\\\"stat\\\\":\\\\"${statistic}`));
    for (const name of [MetricName.ProcessorErrors, MetricName.Recovered, MetricName.NeedsAttention, MetricName.NeedsAttentionStanding, MetricName.RecoveryFailed]) {
      expect(body).toContain(`\\"${name}\\"`);
    }
    expect(body).toContain('ThrottledRequests');
    expect(body).toContain('SystemErrors');
  });

  test('shows the status of every alarm, by an ARN built from its name (no GetAtt)', () => {
    const names = Object.values(alarms).map((resource) => resource.Properties.AlarmName as string);
    for (const name of names) expect(body).toContain(`:alarm:${name}`);
    expect(body).not.toContain('","Arn"');
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('reports no error or warning on the construct, and needs no acknowledgement for it', () => {
    const { app } = synth('oncall@example.com');
    const violations = new AwsSolutionsChecks().validateScope(app).violations.flatMap((violation) =>
      violation.violatingResources
        .map((resource) => ({ rule: violation.ruleName, path: resource.constructPath ?? '' }))
        .filter(({ path }) => path.includes('/Monitoring/')),
    );
    expect(violations).toEqual([]);
    const acknowledged = app.node
      .findAll()
      .filter((c) => c.node.path.includes('/Monitoring') && c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY));
    expect(acknowledged).toEqual([]);
  });

  test('the check can fail: a topic open to plain HTTP and a key never rotated are reported', () => {
    const app = new App();
    const bare = new Stack(app, 'Bare');
    new sns.Topic(bare, 'Plain');
    new kms.Key(bare, 'Unrotated', { enableKeyRotation: false });
    const rules = new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SNS3', 'AwsSolutions-KMS5']));
  });
});

describe('the needs-attention alarm', () => {
  test('is on while any record needs attention: the maximum of the standing gauge over one recovery schedule period, from 1', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'MonitoringTest-NeedsAttention',
      Namespace: METRICS_NAMESPACE,
      MetricName: MetricName.NeedsAttentionStanding,
      Statistic: 'Maximum',
      Period: AWS_RECOVERY_INTERVAL_SECONDS,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      // A sweep that did not run or could not count keeps the state: no false all-clear, no false page.
      TreatMissingData: 'ignore',
      Dimensions: [{ Name: 'Service', Value: Service.Recovery }],
    });
  });

  test('reads a metric the recovery telemetry publishes, under the same dimensions, and only when measured', () => {
    const sweep = (needsAttentionStanding?: number) =>
      recoverySweepMetrics(
        {
          service: Service.Recovery,
          requestId: 'r',
          coldStart: false,
          timestampMs: 0,
          durationMs: 1,
          dynamoDbRequests: 32,
          summary: { due: 0, recovered: 0, failed: 0, needsAttention: 0, skipped: 0, ...(needsAttentionStanding === undefined ? {} : { needsAttentionStanding }) },
        },
        METRICS_NAMESPACE,
      );
    const { Properties: p } = alarm('NeedsAttention');
    const document = sweep(2);
    const directive = document._aws.CloudWatchMetrics.find((d) => d.Metrics.some((m) => m.Name === p.MetricName))!;
    expect(directive).toBeDefined();
    expect(directive.Namespace).toBe(p.Namespace);
    expect(directive.Dimensions).toContainEqual(p.Dimensions.map((d: { Name: string }) => d.Name));
    expect(p.Dimensions.map((d: { Name: string; Value: string }) => document[d.Name])).toEqual([Service.Recovery]);
    expect(document[p.MetricName]).toBe(2);
    // An unmeasured sweep publishes no value: a 0 would turn the alarm off while records still wait.
    expect(sweep(undefined)).not.toHaveProperty(p.MetricName);
  });
});
