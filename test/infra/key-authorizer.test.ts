import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { AUTHORIZER_CACHE_TTL_SECONDS, AUTHORIZER_IDENTITY_SOURCE } from '../../lambda/auth/config';
import { AUTH_KEY_ROOT, AUTH_TENANTS_KEY, KeyPrefix } from '../../lambda/shared/table';
import { functionsDescribed, methodsOf, onlyResource, type Resource, resourcesOf, roleOf, type Statement, statementsOf, synth } from './synth';

// With Stripe, so the webhook route and its function exist beside the payments methods.
const stacks = { dev: synth(), withStripe: synth({ stripeSecret: 'payments/stripe' }) };

const AUTHORIZER_DESCRIPTION = 'Secret-key authorizer';
const PAYMENTS_ROUTES = ['GET /payments', 'GET /payments/{id}', 'POST /payments'];
const WEBHOOK_ROUTE = 'POST /webhooks/stripe';

function authorizerFunction(template: Template): [string, Resource] {
  const found = functionsDescribed(template, AUTHORIZER_DESCRIPTION);
  expect(found).toHaveLength(1);
  return found[0]!;
}

const dynamoStatements = (statements: Statement[]) => statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));

describe.each(Object.entries(stacks))('the key authorizer (%s stack)', (_, { template }) => {
  it('is a REQUEST authorizer on the Authorization header, caching each answer for AUTHORIZER_CACHE_TTL_SECONDS', () => {
    const [, authorizer] = onlyResource(template, 'AWS::ApiGateway::Authorizer');
    const [functionId] = authorizerFunction(template);
    expect(authorizer.Properties).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: AUTHORIZER_IDENTITY_SOURCE,
      AuthorizerResultTtlInSeconds: AUTHORIZER_CACHE_TTL_SECONDS,
    });
    expect(AUTHORIZER_IDENTITY_SOURCE).toBe('method.request.header.Authorization');
    // API Gateway caches an authorizer's answer for at most an hour; 0 would turn the cache off.
    expect(AUTHORIZER_CACHE_TTL_SECONDS).toBeGreaterThan(0);
    expect(AUTHORIZER_CACHE_TTL_SECONDS).toBeLessThanOrEqual(3600);
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(functionId);
  });

  it('runs lambda/auth/authorizer-handler.ts like the other functions: Node.js 22 on arm64, JSON logs to its own group kept a month, the table name alone in its environment', () => {
    const [, fn] = authorizerFunction(template);
    const [tableId] = onlyResource(template, 'AWS::DynamoDB::Table');
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', MemorySize: 512 });
    expect(fn.Properties.Timeout).toBeLessThanOrEqual(10);
    expect(fn.Properties.Environment.Variables).toEqual({ TABLE_NAME: { Ref: tableId } });
    const logGroupId: string = fn.Properties.LoggingConfig.LogGroup.Ref;
    expect(fn.Properties.LoggingConfig.LogFormat).toBe('JSON');
    expect(resourcesOf(template)[logGroupId]!.Properties.RetentionInDays).toBe(30);
  });

  it('may only GetItem items whose partition key starts with auth#key#, and write its own logs', () => {
    const [, fn] = authorizerFunction(template);
    const [tableId] = onlyResource(template, 'AWS::DynamoDB::Table');
    const roleId = roleOf(fn);
    const role = resourcesOf(template)[roleId]!;
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
    const statements = statementsOf(template, roleId).map(({ Sid, ...statement }) => statement);
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] } },
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${KeyPrefix.SecretKey}*`] } },
      },
    ]);
    expect(KeyPrefix.SecretKey).toBe('auth#key#');
  });

  it('may be invoked by this API as its authorizer, and by nothing else', () => {
    const [functionId] = authorizerFunction(template);
    const [authorizerId] = onlyResource(template, 'AWS::ApiGateway::Authorizer');
    const permissions = (Object.values(template.findResources('AWS::Lambda::Permission')) as Resource[]).filter((permission) =>
      JSON.stringify(permission.Properties.FunctionName).includes(functionId),
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties.Principal).toBe('apigateway.amazonaws.com');
    expect(JSON.stringify(permissions[0]!.Properties.SourceArn)).toContain(`"/authorizers/",{"Ref":"${authorizerId}"}`);
  });

  it('guards every payments method (CUSTOM authorization, with a usage-plan key for throttling)', () => {
    const [authorizerId] = onlyResource(template, 'AWS::ApiGateway::Authorizer');
    const payments = methodsOf(template).filter(([route]) => route.startsWith('GET /payments') || route.startsWith('POST /payments'));
    expect(payments.map(([route]) => route).sort()).toEqual(PAYMENTS_ROUTES);
    for (const [route, method] of payments) {
      expect([route, method.Properties.AuthorizationType, method.Properties.AuthorizerId, method.Properties.ApiKeyRequired]).toEqual([
        route,
        'CUSTOM',
        { Ref: authorizerId },
        true,
      ]);
    }
  });

  it('leaves no method open but the webhook', () => {
    const open = methodsOf(template).filter(([, method]) => method.Properties.AuthorizationType !== 'CUSTOM');
    expect(open.map(([route]) => route)).toEqual(template === stacks.withStripe.template ? [WEBHOOK_ROUTE] : []);
  });
});

describe('the webhook route (stack with Stripe)', () => {
  it('stays outside the authorizer and the usage plan: Stripe signs its requests instead', () => {
    const [, webhook] = methodsOf(stacks.withStripe.template).find(([route]) => route === WEBHOOK_ROUTE)!;
    expect(webhook.Properties.AuthorizationType).toBe('NONE');
    expect(webhook.Properties.AuthorizerId).toBeUndefined();
    expect(webhook.Properties.ApiKeyRequired).toBe(false);
  });
});

describe('secret-key items, for the payments code', () => {
  it('are denied to every role but the authorizer\'s that can reach the table: payments, recovery and webhooks', () => {
    const { template } = stacks.withStripe;
    const [tableId] = onlyResource(template, 'AWS::DynamoDB::Table');
    const [, authorizer] = authorizerFunction(template);
    const tableRoles = (Object.values(template.findResources('AWS::Lambda::Function')) as Resource[])
      .map(roleOf)
      .filter((roleId) => dynamoStatements(statementsOf(template, roleId)).some((s) => s.Effect === 'Allow'));
    const others = tableRoles.filter((roleId) => roleId !== roleOf(authorizer));
    expect(others).toHaveLength(3);
    for (const roleId of others) {
      const denied = statementsOf(template, roleId).filter((s) => s.Effect === 'Deny');
      expect([roleId, denied.map(({ Sid, ...statement }) => statement)]).toEqual([
        roleId,
        [
          {
            Effect: 'Deny',
            Action: 'dynamodb:*',
            Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
            Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [`${AUTH_KEY_ROOT}*`] } },
          },
        ],
      ]);
    }
    // auth# covers every authentication item (keys, tenant index, registry): the same root.
    expect([KeyPrefix.SecretKey, KeyPrefix.TenantKeys, AUTH_TENANTS_KEY].every((key) => key.startsWith(AUTH_KEY_ROOT))).toBe(true);
  });
});

describe('docs/deploy.md', () => {
  const deploy = readFileSync(path.join(__dirname, '..', '..', 'docs', 'deploy.md'), 'utf8');

  it('gives operators the revocation delay the stack configures', () => {
    expect(deploy).toContain(`at most ${AUTHORIZER_CACHE_TTL_SECONDS} s after \`revoke\``);
  });

  it('calls the API with a bearer secret key, never with an API Gateway API key', () => {
    expect(deploy).toContain('-H "Authorization: Bearer $SECRET_KEY"');
    expect(deploy).not.toMatch(/-H ["']x-api-key|get-api-key/);
  });
});
