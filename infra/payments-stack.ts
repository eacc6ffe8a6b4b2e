import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { retainsData, type StackConfig } from './config';
import { PaymentsApi } from './constructs/payments-api';
import { PaymentsFunction } from './constructs/payments-function';
import { PaymentsTable } from './constructs/payments-table';
import { RECOVERY_TIMEOUT, RecoverySchedule } from './constructs/recovery-schedule';
import { TableSchema } from '../lambda/shared/table';

export interface PaymentsStackProps extends StackProps {
  readonly config: StackConfig;
}

/** The whole product in one stack: table, functions (API and recovery) and REST API. */
export class PaymentsStack extends Stack {
  constructor(scope: Construct, id: string, props: PaymentsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const retainData = retainsData(config);
    // Logs of a retained stage outlive the stack too (until their retention ends): they are its audit trail.
    const logRemovalPolicy = retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const { table } = new PaymentsTable(this, 'Storage', { retainData });
    const common = { table, idempotencyTtlSeconds: config.idempotencyTtlSeconds, logRemovalPolicy };
    const payments = new PaymentsFunction(this, 'Payments', {
      ...common,
      entry: 'payments/handler.ts',
      description: 'Idempotent payments API: POST /payments, GET /payments, GET /payments/{id}, direct invocation',
      queryIndexes: [TableSchema.paymentsIndex.name],
    });
    new RecoverySchedule(this, 'Recovery', {
      function: new PaymentsFunction(this, 'RecoveryWorker', {
        ...common,
        entry: 'recovery/handler.ts',
        description: 'Recovery of in-progress payments whose holder died',
        timeout: RECOVERY_TIMEOUT,
        queryIndexes: [TableSchema.recoveryIndex.name],
      }).function,
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
