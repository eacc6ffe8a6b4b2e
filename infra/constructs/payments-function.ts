import * as path from 'node:path';
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_TIMEOUT_SECONDS } from '../../lambda/payments/config';
import { PAYMENTS_BUNDLING, PAYMENTS_NODE_OPTIONS, STRIPE_PAYMENTS_BUNDLING } from '../../lambda/shared/bundling';

const PROJECT_ROOT = path.join(__dirname, '..', '..');

/**
 * Every DynamoDB action the payments code performs, and nothing more. TransactWriteItems needs no
 * action of its own: each item in it is authorized as the item-level action it performs.
 * No DeleteItem (a key is released by a guarded update), no Scan; Query only on the function's
 * own index (the payments list, or the recovery index), granted below.
 */
const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;

/**
 * Kept well under API Gateway's 29 s integration timeout, so the lock lapses before the client
 * gives up and retries with the same key, instead of that retry meeting a 409. The function is
 * told its timeout (FUNCTION_TIMEOUT_SECONDS), since its configuration checks retention against it.
 */
const FUNCTION_TIMEOUT = Duration.seconds(FUNCTION_TIMEOUT_SECONDS);

/**
 * 512 MB: Lambda allots CPU in proportion to memory, and the cold start (loading the bundle,
 * creating the SDK client) is CPU-bound, while warm requests wait on DynamoDB and bill by the
 * millisecond; more memory shortens the first while costing little on the second.
 */
const FUNCTION_MEMORY_MB = 512;

export interface PaymentsFunctionProps {
  /** The entry file under lambda/, e.g. `payments/handler.ts`. */
  readonly entry: string;
  readonly description: string;
  /** @default FUNCTION_TIMEOUT_SECONDS, the payments function's */
  readonly timeout?: Duration;
  /** The table's secondary indexes this function may Query (and nothing else of them). */
  readonly queryIndexes: readonly string[];
  readonly table: dynamodb.ITable;
  /** Passed as IDEMPOTENCY_TTL_SECONDS. */
  readonly idempotencyTtlSeconds: number;
  /** Applied to the function's log group. */
  readonly logRemovalPolicy: RemovalPolicy;
  /** More environment variables (the processor's settings). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Stripe's secret, which this function may read (GetSecretValue on that ARN, nothing else); its bundle then carries the Stripe SDK. */
  readonly readableSecretArn?: string;
}

/**
 * A Lambda of this product (the payments API, the recovery worker), bundled locally by esbuild,
 * with a role that can do exactly its job. Both run the same payments code against one table.
 */
export class PaymentsFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PaymentsFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy,
    });

    // An explicit role instead of the default one, which carries the AWS-managed
    // AWSLambdaBasicExecutionRole (create any log group, write to any log group).
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description}: item-level access to its table, writes to its own log group`,
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: path.join(PROJECT_ROOT, 'lambda', props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      // The runtime the product targets (SPEC); the code also runs on Node 20 locally and in CI.
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout ?? FUNCTION_TIMEOUT,
      memorySize: FUNCTION_MEMORY_MB,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        TABLE_NAME: props.table.tableName,
        IDEMPOTENCY_TTL_SECONDS: String(props.idempotencyTtlSeconds),
        // The payments function's timeout, for both: leases (and a re-drive's) are sized from it.
        FUNCTION_TIMEOUT_SECONDS: String(FUNCTION_TIMEOUT_SECONDS),
        ...(PAYMENTS_NODE_OPTIONS ? { NODE_OPTIONS: PAYMENTS_NODE_OPTIONS } : ({} as Record<string, string>)),
        ...props.environment,
      },
      // The one bundling definition, measured by `npm run bench` ("Cold start").
      bundling: { ...(props.readableSecretArn ? STRIPE_PAYMENTS_BUNDLING : PAYMENTS_BUNDLING) },
    });

    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'PaymentsTableItemAccess',
        actions: [...TABLE_ACTIONS],
        resources: [props.table.tableArn],
      }),
    );
    if (props.queryIndexes.length > 0) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'OwnIndexQuery',
          actions: ['dynamodb:Query'],
          resources: props.queryIndexes.map((index) => `${props.table.tableArn}/index/${index}`),
        }),
      );
    }
    if (props.readableSecretArn) {
      this.role.addToPolicy(
        new iam.PolicyStatement({ sid: 'ProcessorSecretRead', actions: ['secretsmanager:GetSecretValue'], resources: [props.readableSecretArn] }),
      );
    }
    this.logGroup.grantWrite(this.role);

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime this product is built and supported for (its SPEC); it is an AWS-supported LTS runtime. Moving to a newer one is a deliberate upgrade, tested first, not something a linter should force.',
    });
  }
}
