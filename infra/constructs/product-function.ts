import * as path from 'node:path';
import { type Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type FunctionBundling, PAYMENTS_NODE_OPTIONS } from '../../lambda/shared/bundling';

const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** Every function's log group: a month is enough to investigate an incident, and bounds the bill. */
export const FUNCTION_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * 512 MB: Lambda allots CPU in proportion to memory, and the cold start (loading the bundle,
 * creating the SDK client) is CPU-bound, while warm requests wait on DynamoDB and bill by the
 * millisecond; more memory shortens the first while costing little on the second.
 */
const FUNCTION_MEMORY_MB = 512;

export interface ProductFunctionProps {
  /** The entry file under lambda/, e.g. `payments/handler.ts`. */
  readonly entry: string;
  readonly description: string;
  /** What the role may do, in a sentence (the role's description). */
  readonly roleDescription: string;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  /** One of lambda/shared/bundling.ts's definitions, also measured by `npm run bench`. */
  readonly bundling: FunctionBundling;
  /** Applied to the function's log group. */
  readonly logRemovalPolicy: RemovalPolicy;
}

export interface ProductFunction {
  readonly function: NodejsFunction;
  /** Its own role; it may write its own logs, and whatever the caller grants it. */
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * What every Lambda of this product shares (runtime, architecture, memory, JSON logs to a log group
 * of its own, a role of its own, local esbuild bundling), defined once. Creates `Logs`, `Role` and
 * `Function` in `scope`.
 */
export function addProductFunction(scope: Construct, props: ProductFunctionProps): ProductFunction {
  const logGroup = new logs.LogGroup(scope, 'Logs', { retention: FUNCTION_LOG_RETENTION, removalPolicy: props.logRemovalPolicy });

  // An explicit role instead of the default one, which carries the AWS-managed
  // AWSLambdaBasicExecutionRole (create any log group, write to any log group).
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `${props.description}: ${props.roleDescription}`,
  });

  const fn = new NodejsFunction(scope, 'Function', {
    entry: path.join(PROJECT_ROOT, 'lambda', props.entry),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
    description: props.description,
    // The runtime the product targets (SPEC); the code also runs on Node 20 locally and in CI.
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    timeout: props.timeout,
    memorySize: FUNCTION_MEMORY_MB,
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    environment: {
      ...(PAYMENTS_NODE_OPTIONS ? { NODE_OPTIONS: PAYMENTS_NODE_OPTIONS } : ({} as Record<string, string>)),
      ...props.environment,
    },
    bundling: { ...props.bundling },
  });
  logGroup.grantWrite(role);

  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'nodejs22.x is the runtime this product is built and supported for (its SPEC); it is an AWS-supported LTS runtime. Moving to a newer one is a deliberate upgrade, tested first, not something a linter should force.',
  });
  return { function: fn, role, logGroup };
}
