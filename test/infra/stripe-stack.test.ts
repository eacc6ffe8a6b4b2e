import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { WEBHOOK_THROTTLE } from '../../infra/constructs/payments-api';
import { ROUTES } from '../../lambda/shared/routes';
import { type Resource, resourcesOf, statementsOf, synth } from './synth';

const SECRET_NAME = 'payments/stripe';
const withStripe = synth({ stripeSecret: SECRET_NAME });
const withoutStripe = synth({});
const resources = (template: Template) => template.toJSON().Resources as Record<string, Resource>;

const functions = (template: Template) => Object.entries(template.findResources('AWS::Lambda::Function')) as [string, Resource][];
const described = (template: Template, prefix: string) => functions(template).filter(([, fn]) => String(fn.Properties.Description).startsWith(prefix));

describe('stack with Stripe (context stripeSecret)', () => {
  it('tells every payments function to charge through Stripe, and which secret holds the keys (never the keys themselves)', () => {
    // The authorizer has the table too, but no processor: it charges nothing.
    const ours = functions(withStripe.template).filter(
      ([, fn]) => fn.Properties.Environment?.Variables?.TABLE_NAME && !String(fn.Properties.Description).startsWith('Secret-key authorizer'),
    );
    expect(ours).toHaveLength(3);
    for (const [, fn] of ours) {
      expect(fn.Properties.Environment.Variables).toMatchObject({ PAYMENT_PROCESSOR: 'stripe', STRIPE_SECRET_ID: SECRET_NAME });
      expect(JSON.stringify(fn.Properties.Environment.Variables)).not.toMatch(/sk_(test|live)_|whsec_/);
    }
  });

  it('grants secretsmanager:GetSecretValue on that one secret only, to the three functions and nothing else', () => {
    const readers: string[] = [];
    for (const [, policy] of Object.entries(withStripe.template.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Record<string, any>[]) {
        const actions = [statement.Action].flat();
        if (!actions.some((action: string) => action.startsWith('secretsmanager:'))) continue;
        expect(actions).toEqual(['secretsmanager:GetSecretValue']);
        expect(statement.Resource).toEqual({
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:secret:${SECRET_NAME}-??????`]],
        });
        readers.push(...policy.Properties.Roles.map((role: { Ref: string }) => role.Ref));
      }
    }
    const roles = functions(withStripe.template)
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.PAYMENT_PROCESSOR === 'stripe')
      .map(([, fn]) => fn.Properties.Role['Fn::GetAtt'][0]);
    expect(readers.sort()).toEqual(roles.sort());
    expect(withStripe.template.findResources('AWS::SecretsManager::Secret')).toEqual({});
  });

  it('uses a complete secret ARN as given', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:payments/stripe-AbCdEf';
    const { template } = synth({ stripeSecret: arn });
    const [[, webhook]] = described(template, 'Stripe webhooks') as [[string, Resource]];
    const statements = statementsOf(template, webhook.Properties.Role['Fn::GetAtt'][0]);
    expect(statements.filter((s) => s.Sid === 'ProcessorSecretRead').map((s) => s.Resource)).toEqual([arn]);
  });

  it('refuses a stripeSecret that is neither a secret name nor a complete ARN', () => {
    expect(() => synth({ stripeSecret: 'sk_test_not a name' })).toThrow(/stripeSecret must be a Secrets Manager secret name/);
    expect(() => synth({ stripeSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:partial' })).toThrow(/stripeSecret/);
  });

  it('serves POST /webhooks/stripe without an API key, through its own function, throttled for the stage', () => {
    const all = resources(withStripe.template);
    const [[webhookId]] = described(withStripe.template, 'Stripe webhooks') as [[string, Resource]];
    const webhookMethods = Object.values(withStripe.template.findResources('AWS::ApiGateway::Method') as Record<string, Resource>).filter((method) => {
      const resource = all[method.Properties.ResourceId.Ref]!;
      return resource.Properties.PathPart === 'stripe' && all[resource.Properties.ParentId.Ref]?.Properties.PathPart === 'webhooks';
    });
    expect(webhookMethods).toHaveLength(1);
    const [method] = webhookMethods;
    expect(method!.Properties.HttpMethod).toBe('POST');
    expect(method!.Properties.ApiKeyRequired).toBe(false);
    expect(JSON.stringify(method!.Properties.Integration.Uri)).toContain(webhookId);
    withStripe.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: 'POST', ResourcePath: '/~1webhooks~1stripe', ThrottlingRateLimit: WEBHOOK_THROTTLE.rateLimit, ThrottlingBurstLimit: WEBHOOK_THROTTLE.burstLimit }),
      ]),
    });
  });

  it("gives the webhook function item access to the table and no index at all: it reads and moves one payment's record", () => {
    const [[, webhook]] = described(withStripe.template, 'Stripe webhooks') as [[string, Resource]];
    const statements = statementsOf(withStripe.template, webhook.Properties.Role['Fn::GetAtt'][0]);
    const dynamo = statements.filter((s) => s.Effect === 'Allow' && [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(dynamo.map((s) => [s.Action].flat().sort())).toEqual([['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']]);
  });

  it('outputs the webhook URL to register with Stripe', () => {
    expect(Object.keys(withStripe.template.toJSON().Outputs)).toContain('StripeWebhookUrl');
  });

  it('reports no unacknowledged cdk-nag AwsSolutions finding', () => {
    const violations = new AwsSolutionsChecks().validateScope(withStripe.app).violations;
    expect(violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))).toEqual([]);
  });
});

describe('stack without Stripe', () => {
  it('has no webhook route, no Stripe setting and no secret access', () => {
    expect(described(withoutStripe.template, 'Stripe webhooks')).toEqual([]);
    expect(JSON.stringify(withoutStripe.template.toJSON())).not.toMatch(/secretsmanager|webhooks|PAYMENT_PROCESSOR/);
  });
});

test('the API serves exactly the methods of the route table (lambda/shared/routes.ts), each on its resource', () => {
  const { template } = withStripe;
  const resources = resourcesOf(template);
  const pathOfResource = (id: string): string => {
    const resource = resources[id]!;
    const parent = resource.Properties.ParentId;
    const prefix = parent['Fn::GetAtt'] ? '' : pathOfResource(parent.Ref);
    return `${prefix}/${resource.Properties.PathPart}`;
  };
  const served = Object.values(resources)
    .filter((r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.HttpMethod !== 'OPTIONS')
    .map((method) => `${method.Properties.HttpMethod} ${pathOfResource(method.Properties.ResourceId.Ref)}`)
    .sort();
  const table = Object.entries(ROUTES).flatMap(([resource, route]) => route.methods.map((method) => `${method} ${resource}`)).sort();
  expect(served).toEqual(table);
});
