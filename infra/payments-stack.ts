import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { retainsData, type StackConfig } from './config';
import { PaymentsApi } from './constructs/payments-api';
import { PaymentsFunction } from './constructs/payments-function';
import { PaymentsTable } from './constructs/payments-table';

export interface PaymentsStackProps extends StackProps {
  readonly config: StackConfig;
}

/** The whole product in one stack: table, function and REST API. */
export class PaymentsStack extends Stack {
  constructor(scope: Construct, id: string, props: PaymentsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const retainData = retainsData(config);
    // Logs of a retained stage outlive the stack too (until their retention ends): they are its audit trail.
    const logRemovalPolicy = retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const { table } = new PaymentsTable(this, 'Storage', { retainData });
    const payments = new PaymentsFunction(this, 'Payments', {
      table,
      idempotencyTtlSeconds: config.idempotencyTtlSeconds,
      logRemovalPolicy,
    });
    const { api, defaultKey } = new PaymentsApi(this, 'Http', { handler: payments.function, logRemovalPolicy });

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the REST API stage' });
    new CfnOutput(this, 'ApiKeyId', {
      value: defaultKey.keyId,
      description: 'Id of the default API key; its value: aws apigateway get-api-key --api-key <id> --include-value',
    });
    new CfnOutput(this, 'FunctionName', { value: payments.function.functionName, description: 'For aws lambda invoke' });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'The DynamoDB table' });
  }
}
