import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackConfigFromContext } from './config';
import { PaymentsStack } from './payments-stack';

const app = new App();
const config = stackConfigFromContext(app.node);
new PaymentsStack(app, `IdempotentPayments-${config.stage}`, {
  config,
  description: `Idempotent payments API (${config.stage}): DynamoDB table, Lambda function, REST API`,
});
// Synth fails on any cdk-nag finding that is not acknowledged, with its reason, in the stack.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
