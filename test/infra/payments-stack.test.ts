import { type App, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WWW_AUTHENTICATE_BEARER } from '../../lambda/auth/config';
import { AUTH_KEY_ROOT, createTableInput, TableSchema } from '../../lambda/shared/table';
import { FUNCTION_TIMEOUT_SECONDS } from '../../lambda/payments/config';
import { methodsOf, onlyResource, type Resource, resourcesOf, synth } from './synth';

const dev = synth();
const prod = synth({ stage: 'prod', idempotencyTtlSeconds: '3600' });

describe('table', () => {
  it('has the key schema of the shared table definition, so local mode and AWS build the same table', () => {
    const [, table] = onlyResource(dev.template, 'AWS::DynamoDB::Table');
    const shared = createTableInput('unused');
    expect(table.Properties.KeySchema).toEqual(shared.KeySchema);
    expect(table.Properties.AttributeDefinitions).toEqual(shared.AttributeDefinitions);
  });

  it('has the sparse indexes of the shared definition: the payments list (what a payment is read from: the answer, its state, a decline\'s payment) and recovery (lease ends)', () => {
    const [, table] = onlyResource(dev.template, 'AWS::DynamoDB::Table');
    const shared = createTableInput('unused').GlobalSecondaryIndexes;
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(
      shared.map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection })),
    );
    expect(shared.find((i) => i.IndexName === TableSchema.paymentsIndex.name)!.Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: ['response', 'paymentState', 'payment'] });
    expect(shared.find((i) => i.IndexName === TableSchema.recoveryIndex.name)!.KeySchema).toEqual([
      { AttributeName: 'recoveryShard', KeyType: 'HASH' },
      { AttributeName: 'leaseUntilEpochMs', KeyType: 'RANGE' },
    ]);
  });

  it('expires items by the TTL attribute named in the shared schema', () => {
    dev.template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: TableSchema.ttlAttribute, Enabled: true },
    });
  });

  it('bills on demand, keeps point-in-time recovery and encrypts with the AWS-managed key', () => {
    const [, table] = onlyResource(dev.template, 'AWS::DynamoDB::Table');
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.ProvisionedThroughput).toBeUndefined();
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    // SSEEnabled without a customer key (KMSMasterKeyId) is the AWS-managed aws/dynamodb key.
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
  });

  it('is deleted with a dev stack and has no deletion protection', () => {
    const [, table] = onlyResource(dev.template, 'AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('is retained, and protected from deletion, outside the dev stage', () => {
    const [, table] = onlyResource(prod.template, 'AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties.DeletionProtectionEnabled).toBe(true);
  });
});

/** The function whose description starts with `prefix` (the API's or the recovery worker's). */
function functionNamed(template: Template, prefix: string): Resource {
  const found = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
  const matching = found.filter((fn) => String(fn.Properties.Description).startsWith(prefix));
  expect(matching).toHaveLength(1);
  return matching[0]!;
}

const FUNCTIONS = [
  { name: 'payments API', prefix: 'Idempotent payments API', timeout: FUNCTION_TIMEOUT_SECONDS, index: TableSchema.paymentsIndex.name },
  { name: 'recovery worker', prefix: 'Recovery of in-progress', timeout: 55, index: TableSchema.recoveryIndex.name },
];

describe.each(FUNCTIONS)('function: $name', ({ prefix, timeout, index }) => {
  it('runs Node.js 22 on arm64 with its timeout (the API well under the 29 s API Gateway integration timeout)', () => {
    const fn = functionNamed(dev.template, prefix);
    expect(fn.Properties.Runtime).toBe('nodejs22.x');
    expect(fn.Properties.Architectures).toEqual(['arm64']);
    expect(fn.Properties.Timeout).toBe(timeout);
    expect(fn.Properties.MemorySize).toBe(512);
    expect(fn.Properties.LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } });
  });

  it("is given the table name, the key retention and the payments function's timeout through its environment, and no source maps (they cost the cold start)", () => {
    const [tableId] = onlyResource(dev.template, 'AWS::DynamoDB::Table');
    expect(functionNamed(dev.template, prefix).Properties.Environment.Variables).toEqual({
      TABLE_NAME: { Ref: tableId },
      IDEMPOTENCY_TTL_SECONDS: '86400',
      FUNCTION_TIMEOUT_SECONDS: String(FUNCTION_TIMEOUT_SECONDS),
    });
  });

  it('takes the key retention from the idempotencyTtlSeconds context', () => {
    expect(functionNamed(prod.template, prefix).Properties.Environment.Variables.IDEMPOTENCY_TTL_SECONDS).toBe('3600');
  });

  it(`may call exactly PutItem, UpdateItem and GetItem on the table, Query on its own index (${index}) alone, never touch an auth# item, and only write its own logs`, () => {
    const [tableId] = onlyResource(dev.template, 'AWS::DynamoDB::Table');
    const fn = functionNamed(dev.template, prefix);
    const roleId: string = fn.Properties.Role['Fn::GetAtt'][0];
    const logGroupId: string = fn.Properties.LoggingConfig.LogGroup.Ref;

    const role = dev.template.toJSON().Resources[roleId] as Resource;
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();

    const policies = Object.values(dev.template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Record<string, any>[]);
    const granted = statements.map(({ Effect, Action, Resource, Condition }) => ({
      Effect,
      Action: [Action].flat().sort(),
      Resource,
      ...(Condition ? { Condition } : {}),
    }));
    expect(granted).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['dynamodb:Query'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, `/index/${index}`]] },
      },
      // Secret-key hashes and usage-plan keys: an explicit Deny, whatever is allowed above, ever.
      {
        Effect: 'Deny',
        Action: ['dynamodb:*'],
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [`${AUTH_KEY_ROOT}*`] } },
      },
    ]);
  });
});

describe('configuration', () => {
  it('refuses a key retention shorter than the longest lease (the function timeout + 1 s)', () => {
    expect(() => synth({ idempotencyTtlSeconds: String(FUNCTION_TIMEOUT_SECONDS) })).toThrow(/idempotencyTtlSeconds.*at least the longest lease/);
  });
});

describe('recovery schedule', () => {
  it('runs the recovery worker once a minute, with no retry of a failed sweep', () => {
    const rules = Object.values(dev.template.findResources('AWS::Events::Rule')) as Resource[];
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties.ScheduleExpression).toBe('rate(1 minute)');
    const [target] = rules[0]!.Properties.Targets;
    const recoveryId = Object.entries(dev.template.findResources('AWS::Lambda::Function')).find(([, fn]) =>
      String(fn.Properties.Description).startsWith('Recovery of in-progress'),
    )![0];
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [recoveryId, 'Arn'] });
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 0 });
    dev.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [recoveryId, 'Arn'] },
    });
  });
});

describe('REST API', () => {
  const resources = resourcesOf(dev.template);
  const routed = methodsOf(dev.template);
  const methods = routed.map(([, method]) => method);
  const route = (method: Resource) => routed.find(([, candidate]) => candidate === method)![0];

  it('serves POST /payments, GET /payments and GET /payments/{id} through a Lambda proxy integration', () => {
    expect(methods.map(route).sort()).toEqual(['GET /payments', 'GET /payments/{id}', 'POST /payments']);
    for (const method of methods) expect(method.Properties.Integration.Type).toBe('AWS_PROXY');
  });

  it("requires a usage-plan key on every method, taken from the authorizer's answer and never from a caller's x-api-key", () => {
    expect(methods.length).toBeGreaterThan(0);
    expect(methods.map((method) => [route(method), method.Properties.ApiKeyRequired])).toEqual(
      methods.map((method) => [route(method), true]),
    );
    const [, api] = onlyResource(dev.template, 'AWS::ApiGateway::RestApi');
    expect(api.Properties.ApiKeySourceType).toBe('AUTHORIZER');
  });

  it('rejects a POST without Idempotency-Key at the gateway, validating parameters but never the body', () => {
    const [post] = methods.filter((method) => route(method) === 'POST /payments');
    expect(post!.Properties.RequestParameters).toEqual({ 'method.request.header.Idempotency-Key': true });
    const validatorId: string = post!.Properties.RequestValidatorId.Ref;
    expect(resources[validatorId]!.Properties).toMatchObject({ ValidateRequestParameters: true, ValidateRequestBody: false });
  });

  it('answers its own errors as problem+json echoing the Idempotency-Key: refused keys 401, unregistered tenants 403, unknown routes 404, a failed authorizer 500, everything else too', () => {
    const expected: Record<string, string | undefined> = {
      DEFAULT_4XX: undefined,
      DEFAULT_5XX: undefined,
      UNAUTHORIZED: '401',
      ACCESS_DENIED: '403',
      INVALID_API_KEY: '403',
      MISSING_AUTHENTICATION_TOKEN: '404',
      BAD_REQUEST_PARAMETERS: '400',
      THROTTLED: '429',
      AUTHORIZER_FAILURE: '500',
      AUTHORIZER_CONFIGURATION_ERROR: '500',
    };
    const responses = Object.values(dev.template.findResources('AWS::ApiGateway::GatewayResponse') as Record<string, Resource>);
    for (const [type, status] of Object.entries(expected)) {
      const response = responses.find((candidate) => candidate.Properties.ResponseType === type);
      expect(response).toBeDefined();
      const { StatusCode, ResponseParameters, ResponseTemplates } = response!.Properties;
      expect([type, StatusCode]).toEqual([type, status]);
      expect(ResponseParameters['gatewayresponse.header.Content-Type']).toBe("'application/problem+json'");
      expect(ResponseParameters['gatewayresponse.header.Idempotency-Key']).toBe('method.request.header.Idempotency-Key');
      // What API Gateway sends once it has substituted the variables.
      const body = JSON.parse(
        (ResponseTemplates['application/json'] as string)
          .replace('$context.error.messageString', JSON.stringify('Forbidden "quoted"'))
          .replace('$context.requestId', 'req-1'),
      );
      expect(body).toMatchObject({ type: expect.stringMatching(/^urn:/), title: expect.any(String), detail: expect.any(String), code: expect.any(String) });
      expect(body.status).toBe(status === undefined ? undefined : Number(status));
    }
  });

  it('answers a refused bearer key with 401 unauthorized and WWW-Authenticate: Bearer, API Gateway\'s own message never in it', () => {
    const responses = Object.values(dev.template.findResources('AWS::ApiGateway::GatewayResponse') as Record<string, Resource>);
    const unauthorized = responses.filter((response) => response.Properties.ResponseType === 'UNAUTHORIZED');
    expect(unauthorized).toHaveLength(1);
    const { StatusCode, ResponseParameters, ResponseTemplates } = unauthorized[0]!.Properties;
    expect(StatusCode).toBe('401');
    expect(ResponseParameters['gatewayresponse.header.WWW-Authenticate']).toBe(`'${WWW_AUTHENTICATE_BEARER}'`);
    const body = JSON.parse((ResponseTemplates['application/json'] as string).replace('$context.requestId', 'req-1'));
    expect(body).toEqual({
      type: 'urn:idempotent-payments:problem:unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: expect.stringContaining('Authorization: Bearer'),
      code: 'unauthorized',
      requestId: 'req-1',
    });
  });

  it('throttles each tenant with a usage plan on the v1 stage, and makes no API key of its own (tenants get theirs from npm run keys)', () => {
    const [stageId, stage] = onlyResource(dev.template, 'AWS::ApiGateway::Stage');
    expect(stage.Properties.StageName).toBe('v1');
    const [planId, plan] = onlyResource(dev.template, 'AWS::ApiGateway::UsagePlan');
    expect(plan.Properties.Throttle).toEqual({ RateLimit: expect.any(Number), BurstLimit: expect.any(Number) });
    expect(plan.Properties.ApiStages).toEqual([expect.objectContaining({ ApiId: { Ref: expect.any(String) }, Stage: { Ref: stageId } })]);
    // An API key is no identity any more: none in the stack, no default tenant.
    expect(dev.template.findResources('AWS::ApiGateway::ApiKey')).toEqual({});
    expect(dev.template.findResources('AWS::ApiGateway::UsagePlanKey')).toEqual({});
    dev.template.hasOutput('UsagePlanId', { Value: { Ref: planId } });
  });

  it('writes one JSON access log line per request to a log group, with the tenant and key id from the authorizer', () => {
    const [, stage] = onlyResource(dev.template, 'AWS::ApiGateway::Stage');
    const { DestinationArn, Format } = stage.Properties.AccessLogSetting;
    const refs = [...JSON.stringify(DestinationArn).matchAll(/"Ref":"([^"]+)"/g)].map((match) => match[1]!);
    expect(refs.map((ref) => resources[ref]?.Type).filter(Boolean)).toEqual(['AWS::Logs::LogGroup']);
    expect(JSON.parse(Format)).toMatchObject({
      requestId: '$context.requestId',
      tenant: '$context.authorizer.tenant',
      keyId: '$context.authorizer.keyId',
      apiKeyId: '$context.identity.apiKeyId',
    });
    expect(Format).not.toMatch(/Authorization|header/i);
    expect(stage.Properties.MethodSettings).toEqual([expect.objectContaining({ LoggingLevel: 'ERROR', DataTraceEnabled: false })]);
  });
});

describe('stack', () => {
  it('outputs ApiUrl, UsagePlanId, FunctionName and TableName, and no API key to use as an identity', () => {
    for (const name of ['ApiUrl', 'UsagePlanId', 'FunctionName', 'TableName']) dev.template.hasOutput(name, { Value: Match.anyValue() });
    expect(Object.keys(dev.template.toJSON().Outputs).filter((name) => /ApiKey/i.test(name))).toEqual([]);
  });

  it('lets CloudFormation name the table, function, roles and its own log groups', () => {
    dev.template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: Match.absent() });
    dev.template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: Match.absent() });
    expect(Object.values(dev.template.findResources('AWS::IAM::Role', { Properties: { RoleName: Match.anyValue() } }))).toEqual([]);
    // The one named log group is API Gateway's execution log group, whose name API Gateway dictates.
    const named = Object.values(dev.template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.anyValue() } }));
    expect(named.map((group) => JSON.stringify(group.Properties.LogGroupName))).toEqual([expect.stringContaining('API-Gateway-Execution-Logs_')]);
  });

  it('keeps every log group for a bounded time', () => {
    const groups = Object.values(dev.template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBe(5); // each function's (payments, recovery, authorizer), and the API's access and execution logs
    for (const group of groups) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('refuses a stage name that cannot be part of a stack name', () => {
    expect(() => synth({ stage: 'Prod Stage' })).toThrow(/context stage/);
  });
});

describe('cdk-nag AwsSolutions', () => {
  interface Finding {
    severity: string;
    rule: string;
    path: string;
  }

  function findings(app: App, { ignoreAcknowledgments = false } = {}): Finding[] {
    const pack = new AwsSolutionsChecks();
    // cdk-nag 3.0.2 consults this private method for each finding; bypassed, it reports every finding.
    if (ignoreAcknowledgments) Object.assign(pack, { isAcknowledged: () => false });
    return pack.validateScope(app).violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => ({
        severity: violation.severity ?? 'error',
        rule: violation.ruleName,
        path: resource.constructPath ?? '',
      })),
    );
  }

  it('reports no unacknowledged error or warning, in dev or prod', () => {
    expect(findings(dev.app)).toEqual([]);
    expect(findings(prod.app)).toEqual([]);
  });

  // With Stripe too: the webhook route carries an acknowledgement of its own.
  it.each([
    ['dev', () => dev],
    ['with Stripe', () => synth({ stripeSecret: 'payments/stripe' })],
  ])('acknowledges only findings that exist, each with a written reason (%s)', (_, build) => {
    const { app, stack } = build();
    const acknowledged: { rule: string; path: string; reason: string }[] = [];
    for (const construct of stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledged.push({ rule: id.replace(/^annotation::/i, ''), path: construct.node.path, reason });
        }
      }
    }
    expect(acknowledged.length).toBeGreaterThan(0);
    const raised = findings(app, { ignoreAcknowledgments: true });
    for (const { rule, path: at, reason } of acknowledged) {
      expect(reason.length).toBeGreaterThan(40);
      const exists = raised.some((finding) => finding.rule === rule && (finding.path === at || finding.path.startsWith(`${at}/`)));
      expect([rule, at, exists]).toEqual([rule, at, true]);
    }
  });

  it('passes when synthesized with the checks as a validation plugin, as infra/app.ts does', () => {
    const { app } = synth();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth({ force: true })).not.toThrow();
  });
});
