import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stackConfigFromContext } from '../../infra/config';
import { PaymentsStack } from '../../infra/payments-stack';

// The same context `cdk synth` uses (feature flags included), minus esbuild: templates only.
const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The stack as infra/app.ts builds it, with `-c` context values; no bundling. */
export function synth(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [], ...context } });
  const config = stackConfigFromContext(app.node);
  const stack = new PaymentsStack(app, `IdempotentPayments-${config.stage}`, { config });
  return { app, stack, template: Template.fromStack(stack) };
}

export type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
export type Statement = Record<string, any>;

export const resourcesOf = (template: Template) => template.toJSON().Resources as Record<string, Resource>;

export function onlyResource(template: Template, type: string): [string, Resource] {
  const found = Object.entries(template.findResources(type)) as [string, Resource][];
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** The functions whose description starts with `prefix`, with their logical ids. */
export const functionsDescribed = (template: Template, prefix: string) =>
  (Object.entries(template.findResources('AWS::Lambda::Function')) as [string, Resource][]).filter(([, fn]) =>
    String(fn.Properties.Description).startsWith(prefix),
  );

/** The logical id of a function's role. */
export const roleOf = (fn: Resource): string => fn.Properties.Role['Fn::GetAtt'][0];

/** Every statement of the policies attached to a role. */
export function statementsOf(template: Template, roleId: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

/** "POST /payments" for a method, from the chain of AWS::ApiGateway::Resource path parts. */
export function routeOf(template: Template, method: Resource): string {
  const resources = resourcesOf(template);
  const parts: string[] = [];
  let ref = method.Properties.ResourceId?.Ref as string | undefined;
  while (ref && resources[ref]?.Type === 'AWS::ApiGateway::Resource') {
    parts.unshift(resources[ref]!.Properties.PathPart);
    ref = resources[ref]!.Properties.ParentId?.Ref;
  }
  return `${method.Properties.HttpMethod} /${parts.join('/')}`;
}

/** The API's methods by route (CORS preflights, which this API has none of, left out). */
export const methodsOf = (template: Template): [string, Resource][] =>
  (Object.values(template.findResources('AWS::ApiGateway::Method')) as Resource[])
    .filter((method) => method.Properties.HttpMethod !== 'OPTIONS')
    .map((method) => [routeOf(template, method), method]);
