import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AUTHORIZER_CACHE_TTL_SECONDS, AUTHORIZER_IDENTITY_SOURCE } from '../../lambda/auth/config';
import { PAYMENTS_BUNDLING } from '../../lambda/shared/bundling';
import { KeyPrefix } from '../../lambda/shared/table';
import { addProductFunction } from './product-function';

/**
 * One GetItem and a hash: tens of milliseconds warm. 5 s leaves the SDK its retries when DynamoDB
 * is slow, and fails well before a client's own timeout; API Gateway answers a failure with a 500
 * (AUTHORIZER_FAILURE) that it does not cache, so the client's retry asks again.
 */
const AUTHORIZER_TIMEOUT = Duration.seconds(5);

export interface KeyAuthorizerProps {
  /** The table holding the `auth#key#…` items (`npm run keys -- create` writes them). */
  readonly table: dynamodb.ITable;
  /** Applied to the function's log group. */
  readonly logRemovalPolicy: RemovalPolicy;
}

/**
 * The REQUEST authorizer of the payments methods (lambda/auth/authorizer-handler.ts): it verifies
 * `Authorization: Bearer sk_…` against the stored hash and hands the function the tenant
 * (`requestContext.authorizer.tenant`) and API Gateway the tenant's usage-plan key. Its role can
 * read key items and nothing else: no write, no other item kind, no index.
 */
export class KeyAuthorizer extends Construct {
  readonly authorizer: apigw.RequestAuthorizer;
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: KeyAuthorizerProps) {
    super(scope, id);
    const { function: fn, role, logGroup } = addProductFunction(this, {
      entry: 'auth/authorizer-handler.ts',
      description: 'Secret-key authorizer of the payments API: a bearer key to its tenant',
      roleDescription: 'GetItem of secret-key items (auth#key#) of its table only, writes to its own log group',
      timeout: AUTHORIZER_TIMEOUT,
      environment: { TABLE_NAME: props.table.tableName },
      // The payments bundling: its externals are Stripe's modules, which the authorizer never loads.
      bundling: PAYMENTS_BUNDLING,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.function = fn;
    this.role = role;
    this.logGroup = logGroup;

    // ForAllValues: every partition key the request names must be a key item. A GetItem names one.
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'SecretKeyItemRead',
        actions: ['dynamodb:GetItem'],
        resources: [props.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${KeyPrefix.SecretKey}*`] } },
      }),
    );

    this.authorizer = new apigw.RequestAuthorizer(this, 'Authorizer', {
      handler: fn,
      // Also the cache key: one cached answer per secret key. A request without the header is a
      // 401 from API Gateway itself, without invoking the function.
      identitySources: [AUTHORIZER_IDENTITY_SOURCE],
      // The revocation delay in AWS (lambda/auth/config.ts says why 60 s; docs/deploy.md tells operators).
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_TTL_SECONDS),
    });
  }
}
