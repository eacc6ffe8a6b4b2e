import { ArnFormat, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { retainsData, type StackConfig } from './config';
import { KeyAuthorizer } from './constructs/key-authorizer';
import { Monitoring } from './constructs/monitoring';
import { PaymentsApi } from './constructs/payments-api';
import { PaymentsFunction } from './constructs/payments-function';
import { PaymentsTable } from './constructs/payments-table';
import { RECOVERY_TIMEOUT, RecoverySchedule } from './constructs/recovery-schedule';
import { TableSchema } from '../lambda/shared/table';

export interface PaymentsStackProps extends StackProps {
  readonly config: StackConfig;
}

/** The whole product in one stack: table, functions (API, recovery, authorizer) and REST API. */
export class PaymentsStack extends Stack {
  constructor(scope: Construct, id: string, props: PaymentsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const retainData = retainsData(config);
    // Logs of a retained stage outlive the stack too (until their retention ends): they are its audit trail.
    const logRemovalPolicy = retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const { table } = new PaymentsTable(this, 'Storage', { retainData });
    const stripe = config.stripeSecret ? stripeAccess(this, config.stripeSecret) : undefined;
    const common = { table, idempotencyTtlSeconds: config.idempotencyTtlSeconds, logRemovalPolicy, ...stripe };
    const payments = new PaymentsFunction(this, 'Payments', {
      ...common,
      entry: 'payments/handler.ts',
      description: 'Idempotent payments API: POST /payments, GET /payments, GET /payments/{id}, direct invocation',
      queryIndexes: [TableSchema.paymentsIndex.name],
    });
    const recoveryWorker = new PaymentsFunction(this, 'RecoveryWorker', {
      ...common,
      entry: 'recovery/handler.ts',
      description: 'Recovery of in-progress payments whose holder died',
      timeout: RECOVERY_TIMEOUT,
      queryIndexes: [TableSchema.recoveryIndex.name],
    });
    new RecoverySchedule(this, 'Recovery', { function: recoveryWorker.function });
    // Stripe's events: a function of its own, so its role and its throttle are its own too.
    const webhooks = stripe
      ? new PaymentsFunction(this, 'StripeWebhooks', {
          ...common,
          entry: 'stripe/webhook-handler.ts',
          description: 'Stripe webhooks: POST /webhooks/stripe, verified by signature, once per event',
          queryIndexes: [],
        })
      : undefined;
    // Reads secret-key items only; the payments functions are denied them (PaymentsFunction).
    const keys = new KeyAuthorizer(this, 'KeyAuthorizer', { table, logRemovalPolicy });
    const { api, usagePlan } = new PaymentsApi(this, 'Http', {
      handler: payments.function,
      authorizer: keys.authorizer,
      webhookHandler: webhooks?.function,
      logRemovalPolicy,
    });
    const monitoring = new Monitoring(this, 'Monitoring', {
      functions: [
        { label: 'Payments', function: payments.function },
        { label: 'Recovery', function: recoveryWorker.function },
        ...(webhooks ? [{ label: 'StripeWebhooks', function: webhooks.function }] : []),
      ],
      authorizer: keys,
      table,
      api,
      alarmEmail: config.alarmEmail,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the REST API stage' });
    new CfnOutput(this, 'UsagePlanId', {
      value: usagePlan.usagePlanId,
      description: "Each tenant's usage-plan key joins this plan once (USAGE_PLAN_ID for npm run keys -- create, which prints the commands)",
    });
    new CfnOutput(this, 'FunctionName', { value: payments.function.functionName, description: 'For aws lambda invoke' });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'The DynamoDB table' });
    new CfnOutput(this, 'AlarmTopicArn', { value: monitoring.topic.topicArn, description: 'Every alarm notifies this SNS topic: subscribe on-call here' });
    new CfnOutput(this, 'DashboardName', { value: monitoring.dashboard.dashboardName, description: 'The CloudWatch dashboard' });
    if (webhooks) {
      new CfnOutput(this, 'StripeWebhookUrl', { value: `${api.url}webhooks/stripe`, description: "The endpoint to register in Stripe's dashboard" });
    }
  }
}

/**
 * What the functions need to charge through Stripe: the processor setting, the secret to read it
 * from, and read access to that one secret. A name becomes the ARN pattern Secrets Manager gives it
 * (the name plus a random 6-character suffix).
 */
function stripeAccess(stack: Stack, secret: string) {
  const readableSecretArn = secret.startsWith('arn:')
    ? secret
    : stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${secret}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  return { environment: { PAYMENT_PROCESSOR: 'stripe', STRIPE_SECRET_ID: secret }, readableSecretArn };
}
