import * as fs from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import {
  AUTHORIZER_FAILED_PATTERN,
  AUTHORIZER_UNAUTHORIZED_PATTERN,
  AuthorizerMetricName,
  REASON_DIMENSION,
} from '../../infra/constructs/authorizer-log-metrics';
import {
  API_5XX_RATE_THRESHOLD,
  DURATION_NEAR_TIMEOUT_FRACTION,
  Monitoring,
  RECOVERY_FAILURES_THRESHOLD,
  RECOVERY_SILENCE,
  TABLE_THROTTLES_THRESHOLD,
} from '../../infra/constructs/monitoring';
import { createAuthorizer } from '../../lambda/auth/authorizer';
import type { SecretKeyLookup } from '../../lambda/auth/key-store';
import { generateSecretKey, KeyMode } from '../../lambda/auth/secret-keys';
import { AuthFailure } from '../../lambda/auth/verify';
import { InvocationOutcome } from '../../lambda/observability/invocation-log';
import { METRICS_NAMESPACE, MetricName, Service } from '../../lambda/observability/metrics';
import { recoverySweepMetrics } from '../../lambda/observability/recovery-log';
import { AWS_RECOVERY_INTERVAL_SECONDS } from '../../lambda/recovery/sweep';
import { authorizerEvent, bearer } from '../unit/auth/authorizer-events';
import { MemoryKeys } from '../unit/auth/memory-keys';

type Resource = { Type: string; Properties: Record<string, any> };

/** The construct with just enough around it: a table, two functions, an authorizer and a REST API. */
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
  const authorizerLogs = new logs.LogGroup(stack, 'AuthorizerLogs', { retention: logs.RetentionDays.ONE_MONTH });
  const authorizer = new lambda.Function(stack, 'Authorizer', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline("exports.handler = async () => { throw new Error('Unauthorized'); }"),
    timeout: Duration.seconds(5),
    logGroup: authorizerLogs,
    loggingFormat: lambda.LoggingFormat.JSON,
  });
  const api = new apigw.RestApi(stack, 'Api', { deployOptions: { stageName: 'v1' } });
  api.root.addMethod('GET', new apigw.LambdaIntegration(payments));
  const monitoring = new Monitoring(stack, 'Monitoring', {
    functions: [
      { label: 'Payments', function: payments },
      { label: 'Recovery', function: recovery },
    ],
    authorizer: { function: authorizer, logGroup: authorizerLogs },
    table,
    api,
    alarmEmail,
  });
  return { app, stack, monitoring, authorizer, authorizerLogs, template: Template.fromStack(stack) };
}

const { template, monitoring, stack, authorizer, authorizerLogs } = synth('oncall@example.com');
const authorizerId = stack.getLogicalId(authorizer.node.defaultChild as never);
const authorizerLogsId = stack.getLogicalId(authorizerLogs.node.defaultChild as never);
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
    return [{ name: p.MetricName, namespace: p.Namespace, dimensions: Object.fromEntries((p.Dimensions ?? []).map((d: any) => [d.Name, d.Value])) }];
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
  // the standing gauge, which a sweep publishes each minute (no data says nothing about the records);
  // `breaching` for the sweep heartbeat, where no data is the trouble itself.
  const missingData: Record<string, string> = { NeedsAttention: 'ignore', RecoveryNotRunning: 'breaching' };
  const comparison: Record<string, string> = { RecoveryNotRunning: 'LessThanThreshold' };
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
    ['RecoveryNotRunning', MetricName.RecoveryDue, METRICS_NAMESPACE, 1],
    ['AuthorizerThrottles', 'Throttles', 'AWS/Lambda', 1],
    ['AuthorizerDurationNearTimeout', 'Duration', 'AWS/Lambda', 5_000 * DURATION_NEAR_TIMEOUT_FRACTION],
    ['AuthorizerFailures', AuthorizerMetricName.Failures, METRICS_NAMESPACE, 1],
  ];

  test.each(expected)('%s watches %s (%s) from threshold %d and notifies the topic on alarm and on recovery', (id, metricName, namespace, threshold) => {
    const { Properties: p } = alarm(id);
    const metrics = metricsOf(alarm(id));
    expect(metrics.length).toBeGreaterThan(0);
    for (const m of metrics) expect([m.name, m.namespace]).toEqual([metricName, namespace]);
    expect(p.Threshold).toBe(threshold);
    expect(p.ComparisonOperator).toBe(comparison[id] ?? 'GreaterThanOrEqualToThreshold');
    expect(p.TreatMissingData).toBe(missingData[id] ?? 'notBreaching');
    expect(p.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(p.OKActions).toEqual([{ Ref: topicId }]);
    expect(p.AlarmDescription).toContain(`docs/operating.md, "${id}"`);
  });

  test('docs/operating.md has a section for each, where its description sends the operator', () => {
    const headings = fs.readFileSync(join(__dirname, '../../docs/operating.md'), 'utf8')
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

  test.each(['Alarms', 'Outcomes', 'Latency percentiles', 'Processor errors', 'Recovery', 'Table health', 'API requests', 'Functions', 'Authorizer decisions', 'Authorizer duration'])('has a %s widget', (title) => {
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

/** The dashboard's body as JSON, each reference written `{{logical id}}`. */
function dashboardWidgets(): { properties: { title?: string; metrics?: unknown[][] } }[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
  const parts = dashboard!.Properties.DashboardBody['Fn::Join'][1] as unknown[];
  const body = parts.map((part) => (typeof part === 'string' ? part : `{{${(part as { Ref?: string }).Ref ?? JSON.stringify(part)}}}`)).join('');
  return JSON.parse(body).widgets;
}

/** `[namespace, metric name, dimensions, options]` of a dashboard metric array. */
function dashboardMetric(entry: unknown[]): [string, string, Record<string, unknown>, Record<string, unknown>] {
  const options = typeof entry[entry.length - 1] === 'object' ? (entry[entry.length - 1] as Record<string, unknown>) : {};
  const pairs = entry.slice(2, typeof entry[entry.length - 1] === 'object' ? -1 : undefined);
  const dimensions: Record<string, unknown> = {};
  for (let i = 0; i < pairs.length; i += 2) dimensions[pairs[i] as string] = pairs[i + 1];
  return [entry[0] as string, entry[1] as string, dimensions, options];
}

const metricFilters = () => Object.values(template.findResources('AWS::Logs::MetricFilter')) as Resource[];
const filterWithPattern = (pattern: string) => {
  const found = metricFilters().filter((f) => f.Properties.FilterPattern === pattern);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const watchesAuthorizer = (resource: Resource) => metricsOf(resource).every((m) => JSON.stringify(m.dimensions.FunctionName) === JSON.stringify({ Ref: authorizerId }));

describe('the authorizer alarms', () => {
  test('throttles and duration watch the authorizer function: the Maximum duration over 5 minutes, from 80% of its 5 s timeout', () => {
    expect(watchesAuthorizer(alarm('AuthorizerThrottles'))).toBe(true);
    expect(alarm('AuthorizerThrottles').Properties).toMatchObject({ Statistic: 'Sum', Period: 300, EvaluationPeriods: 1 });
    expect(watchesAuthorizer(alarm('AuthorizerDurationNearTimeout'))).toBe(true);
    expect(alarm('AuthorizerDurationNearTimeout').Properties).toMatchObject({ Statistic: 'Maximum', Period: 300, EvaluationPeriods: 1, Threshold: 4000 });
  });

  test("no alarm reads the authorizer's Lambda Errors: every refused key is one", () => {
    const onAuthorizerErrors = Object.values(alarms).filter((resource) => resource.Properties.MetricName === 'Errors' && watchesAuthorizer(resource));
    expect(onAuthorizerErrors).toEqual([]);
    // The payments function still has its Errors alarm: the check above is not vacuous.
    expect(alarm('PaymentsErrors').Properties.MetricName).toBe('Errors');
  });

  test('AuthorizerFailures sums, over 5 minutes, the metric the failures filter publishes from the authorizer log group', () => {
    const filter = filterWithPattern('{ $.message = "authorizer failed" }');
    expect(AUTHORIZER_FAILED_PATTERN.logPatternString).toBe('{ $.message = "authorizer failed" }');
    expect(filter.Properties.LogGroupName).toEqual({ Ref: authorizerLogsId });
    expect(filter.Properties.MetricTransformations).toEqual([
      { MetricNamespace: METRICS_NAMESPACE, MetricName: AuthorizerMetricName.Failures, MetricValue: '1', Unit: 'Count' },
    ]);
    const { Properties: p } = alarm('AuthorizerFailures');
    expect(p).toMatchObject({ Namespace: METRICS_NAMESPACE, MetricName: AuthorizerMetricName.Failures, Statistic: 'Sum', Period: 300, EvaluationPeriods: 1, Threshold: 1 });
    // The filter publishes no dimension, so an alarm naming one would watch a metric that never exists.
    expect(p.Dimensions).toBeUndefined();
  });

  test('refusals are counted by reason from the same log group, for the dashboard only', () => {
    const filter = filterWithPattern('{ $.message = "unauthorized" }');
    expect(AUTHORIZER_UNAUTHORIZED_PATTERN.logPatternString).toBe('{ $.message = "unauthorized" }');
    expect(filter.Properties.LogGroupName).toEqual({ Ref: authorizerLogsId });
    expect(filter.Properties.MetricTransformations).toEqual([
      {
        MetricNamespace: METRICS_NAMESPACE,
        MetricName: AuthorizerMetricName.Refusals,
        MetricValue: '1',
        Unit: 'Count',
        Dimensions: [{ Key: REASON_DIMENSION, Value: '$.reason' }],
      },
    ]);
    expect(metricFilters()).toHaveLength(2);
    expect(Object.values(alarms).filter((resource) => resource.Properties.MetricName === AuthorizerMetricName.Refusals)).toEqual([]);
  });
});

/**
 * CloudWatch's JSON filter syntax cannot run here; this reads the subset the stack's patterns use,
 * `{ $.field = "value" }` and their `&&`, exactly (no wildcard), and refuses anything else, so a
 * pattern it cannot read fails the tests rather than passing them.
 */
function matchesFilter(pattern: string, line: string): boolean {
  const body = /^\{\s*(.*?)\s*\}$/.exec(pattern.trim())?.[1];
  if (body === undefined) throw new Error(`not a JSON filter pattern: ${pattern}`);
  const event = JSON.parse(line) as Record<string, unknown>;
  return body.split('&&').every((term) => {
    const match = /^\(?\s*\$\.([A-Za-z_][\w.]*)\s*(=|!=)\s*"([^"*]*)"\s*\)?$/.exec(term.trim());
    if (!match) throw new Error(`a term this reader does not know: ${term}`);
    const [, path, operator, expected] = match;
    const value = path!.split('.').reduce<unknown>((node, name) => (node as Record<string, unknown> | undefined)?.[name], event);
    return operator === '=' ? value === expected : value !== expected;
  });
}

describe('the filter patterns match the lines the authorizer really writes', () => {
  const failing = { get: async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' })) };

  async function linesOf(store: SecretKeyLookup, headers: Array<[string, string]>) {
    const lines: string[] = [];
    await createAuthorizer({ store, log: (line) => lines.push(line) })(authorizerEvent(headers)).catch(() => undefined);
    expect(lines).toHaveLength(1);
    return lines[0]!;
  }

  test('a failure line is counted as a failure, not as a refusal', async () => {
    const line = await linesOf(failing, bearer(generateSecretKey(KeyMode.Test).key));
    expect(JSON.parse(line)).toMatchObject({ level: 'error', message: 'authorizer failed' });
    expect(matchesFilter(AUTHORIZER_FAILED_PATTERN.logPatternString, line)).toBe(true);
    expect(matchesFilter(AUTHORIZER_UNAUTHORIZED_PATTERN.logPatternString, line)).toBe(false);
  });

  test('a refusal line is counted as a refusal under its reason, never as a failure', async () => {
    const cases: [Array<[string, string]>, AuthFailure][] = [
      [bearer(generateSecretKey(KeyMode.Test).key), AuthFailure.UnknownKey],
      [[['Authorization', 'Basic aGFuZGxlcjpzZWNyZXQ=']], AuthFailure.NotBearer],
    ];
    for (const [headers, reason] of cases) {
      const line = await linesOf(new MemoryKeys(), headers);
      expect(matchesFilter(AUTHORIZER_UNAUTHORIZED_PATTERN.logPatternString, line)).toBe(true);
      expect(matchesFilter(AUTHORIZER_FAILED_PATTERN.logPatternString, line)).toBe(false);
      // The dimension's value: one of a handful our code sets, never something the client sent.
      expect(JSON.parse(line).reason).toBe(reason);
      expect(Object.values(AuthFailure)).toContain(JSON.parse(line).reason);
    }
  });

  test('an Allow is neither', async () => {
    const keys = new MemoryKeys();
    const line = await linesOf(keys, bearer(keys.add('acme')));
    expect(JSON.parse(line).message).toBe('authorized');
    expect(matchesFilter(AUTHORIZER_FAILED_PATTERN.logPatternString, line)).toBe(false);
    expect(matchesFilter(AUTHORIZER_UNAUTHORIZED_PATTERN.logPatternString, line)).toBe(false);
  });

  test('the reader can say no: other values, other fields and syntax it does not know', () => {
    const line = JSON.stringify({ level: 'error', message: 'authorizer failed' });
    expect(matchesFilter('{ $.message = "authorizer" }', line)).toBe(false);
    expect(matchesFilter('{ $.msg = "authorizer failed" }', line)).toBe(false);
    expect(matchesFilter('{ ($.message = "authorizer failed") && ($.level = "warn") }', line)).toBe(false);
    expect(() => matchesFilter('{ $.message = "authorizer*" }', line)).toThrow(/does not know/);
    expect(() => matchesFilter('"authorizer failed"', line)).toThrow(/not a JSON filter pattern/);
  });

  describe('from the Lambda entry (authorizer-handler.ts)', () => {
    // Lambda's JSON log format wraps what console.* prints in an object of its own (the line then
    // sits in its `message` as a string, and `$.message` no longer reads ours); what a function
    // writes straight to stdout is kept as it is. So the filters hold only if the entry writes each
    // line to file descriptor 1 as the JSON object itself.
    const saved = { ...process.env };
    let writes: string[];
    let writeSync: jest.SpyInstance;
    beforeEach(() => {
      writes = [];
      // The module object the entry's stdoutLine calls through (a namespace import is a copy).
      writeSync = jest.spyOn(require('node:fs') as typeof fs, 'writeSync').mockImplementation(((fd: number, bytes: Buffer) => {
        if (fd === 1) writes.push(Buffer.from(bytes).toString('utf8'));
        return bytes.length;
      }) as never);
    });
    afterEach(() => {
      writeSync.mockRestore();
      process.env = { ...saved };
    });

    function loadHandler(env: Record<string, string>): (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult> {
      Object.assign(process.env, { TABLE_NAME: 'payments', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', ...env });
      let handler!: (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
      jest.isolateModules(() => {
        ({ handler } = require('../../lambda/auth/authorizer-handler'));
      });
      return handler;
    }

    const closedPort = () =>
      new Promise<number>((resolve) => {
        const server = createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address() as { port: number };
          server.close(() => resolve(port));
        });
      });

    test('a failure: one line on stdout, the JSON object itself, that the failures filter counts', async () => {
      // Nothing listens there: the GetItem fails at once, as with DynamoDB unreachable.
      const handler = loadHandler({ DYNAMODB_ENDPOINT: `http://127.0.0.1:${await closedPort()}`, AWS_MAX_ATTEMPTS: '1' });
      await expect(handler(authorizerEvent(bearer(generateSecretKey(KeyMode.Test).key)))).rejects.not.toThrow(/^Unauthorized$/);
      expect(writes).toHaveLength(1);
      expect(writes[0]!.endsWith('\n')).toBe(true);
      const line = writes[0]!.trimEnd();
      expect(line).not.toContain('\n');
      expect(matchesFilter(AUTHORIZER_FAILED_PATTERN.logPatternString, line)).toBe(true);
    });

    test('a refusal: one line that the refusals filter counts', async () => {
      const handler = loadHandler({});
      await expect(handler(authorizerEvent([['Authorization', 'Basic aGFuZGxlcjpzZWNyZXQ=']]))).rejects.toThrow(/^Unauthorized$/);
      expect(writes).toHaveLength(1);
      const line = writes[0]!.trimEnd();
      expect(matchesFilter(AUTHORIZER_UNAUTHORIZED_PATTERN.logPatternString, line)).toBe(true);
      expect(matchesFilter(AUTHORIZER_FAILED_PATTERN.logPatternString, line)).toBe(false);
    });
  });
});

describe('the recovery-not-running alarm', () => {
  test('pages when no sweep reported for RECOVERY_SILENCE: fewer than 1 RecoveryDue sample in each of three 5-minute periods, missing data breaching', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'MonitoringTest-RecoveryNotRunning',
      Namespace: METRICS_NAMESPACE,
      MetricName: MetricName.RecoveryDue,
      Dimensions: [{ Name: 'Service', Value: Service.Recovery }],
      // Samples, not their sum: a sweep that found nothing due publishes a 0, and is still a sweep.
      Statistic: 'SampleCount',
      Period: 300,
      EvaluationPeriods: 3,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    const { Properties: p } = alarm('RecoveryNotRunning');
    // Every period of the window must be empty (M of N left at N): one late tick never pages.
    expect(p.DatapointsToAlarm).toBeUndefined();
    expect(p.Period * p.EvaluationPeriods).toBe(RECOVERY_SILENCE.toSeconds());
    // Many sweeps missed, not one: a period spans several ticks, the window at least ten.
    expect(p.Period).toBeGreaterThanOrEqual(3 * AWS_RECOVERY_INTERVAL_SECONDS);
    expect(p.Period * p.EvaluationPeriods).toBeGreaterThanOrEqual(10 * AWS_RECOVERY_INTERVAL_SECONDS);
  });

  test('reads a metric every sweep publishes once under the same dimensions: an idle one and one that threw included', () => {
    const { Properties: p } = alarm('RecoveryNotRunning');
    const report = { service: Service.Recovery, requestId: 'r', coldStart: false, timestampMs: 0, durationMs: 1, dynamoDbRequests: 1 };
    const idle = recoverySweepMetrics({ ...report, summary: { due: 0, recovered: 0, failed: 0, needsAttention: 0, skipped: 0 } }, METRICS_NAMESPACE);
    const threw = recoverySweepMetrics({ ...report, errorName: 'TimeoutError' }, METRICS_NAMESPACE);
    for (const document of [idle, threw]) {
      const directive = document._aws.CloudWatchMetrics.find((d) => d.Metrics.some((m) => m.Name === p.MetricName));
      expect(directive?.Namespace).toBe(p.Namespace);
      expect(directive?.Dimensions).toContainEqual(p.Dimensions.map((d: { Name: string }) => d.Name));
      expect(p.Dimensions.map((d: { Name: string }) => document[d.Name])).toEqual([Service.Recovery]);
      // One value, not an array: the sample count is the number of sweeps.
      expect(document[p.MetricName]).toBe(0);
    }
  });
});

describe('the dashboard row of the authorizer', () => {
  const widget = (title: string) => {
    const found = dashboardWidgets().find((w) => w.properties.title?.startsWith(title));
    expect(found).toBeDefined();
    return found!.properties.metrics!.map(dashboardMetric);
  };
  const ofAuthorizer = { FunctionName: `{{${authorizerId}}}` };

  test('decisions: invocations, refusals for every reason, failures and, on the right, throttles', () => {
    const metrics = widget('Authorizer decisions');
    expect(metrics).toContainEqual(['AWS/Lambda', 'Invocations', ofAuthorizer, expect.objectContaining({ stat: 'Sum', period: 60 })]);
    for (const reason of Object.values(AuthFailure)) {
      expect(metrics).toContainEqual([METRICS_NAMESPACE, AuthorizerMetricName.Refusals, { [REASON_DIMENSION]: reason }, expect.objectContaining({ stat: 'Sum' })]);
    }
    expect(metrics).toContainEqual([METRICS_NAMESPACE, AuthorizerMetricName.Failures, {}, expect.objectContaining({ stat: 'Sum' })]);
    expect(metrics).toContainEqual(['AWS/Lambda', 'Throttles', ofAuthorizer, expect.objectContaining({ stat: 'Sum', yAxis: 'right' })]);
  });

  test('duration: p50 and p99 of the authorizer function', () => {
    expect(widget('Authorizer duration').map(([namespace, name, dimensions, { stat }]) => [namespace, name, dimensions, stat])).toEqual([
      ['AWS/Lambda', 'Duration', ofAuthorizer, 'p50'],
      ['AWS/Lambda', 'Duration', ofAuthorizer, 'p99'],
    ]);
  });

  test('the two graphs share one row of their own', () => {
    const [decisions, duration] = ['Authorizer decisions', 'Authorizer duration'].map((title) => dashboardWidgets().find((w) => w.properties.title?.startsWith(title)) as unknown as { x: number; y: number; width: number });
    expect([decisions!.y, decisions!.x, duration!.y, duration!.x]).toEqual([decisions!.y, 0, decisions!.y, 12]);
    expect(decisions!.width + duration!.width).toBe(24);
  });
});
