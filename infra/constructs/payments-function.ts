import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_TIMEOUT_SECONDS } from '../../lambda/payments/config';
import { PAYMENTS_BUNDLING, STRIPE_PAYMENTS_BUNDLING } from '../../lambda/shared/bundling';
import { AUTH_KEY_ROOT } from '../../lambda/shared/table';
import { addProductFunction } from './product-function';

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
 * A Lambda of the payments code (the payments API, the recovery worker, Stripe's webhooks),
 * bundled locally by esbuild, with a role that can do exactly its job against the one table.
 */
export class PaymentsFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PaymentsFunctionProps) {
    super(scope, id);

    const { function: fn, role, logGroup } = addProductFunction(this, {
      entry: props.entry,
      description: props.description,
      roleDescription: 'item-level access to its table (never its authentication items), writes to its own log group',
      timeout: props.timeout ?? FUNCTION_TIMEOUT,
      environment: {
        TABLE_NAME: props.table.tableName,
        IDEMPOTENCY_TTL_SECONDS: String(props.idempotencyTtlSeconds),
        // The payments function's timeout, for both: leases (and a re-drive's) are sized from it.
        FUNCTION_TIMEOUT_SECONDS: String(FUNCTION_TIMEOUT_SECONDS),
        ...props.environment,
      },
      // The one bundling definition, measured by `npm run bench` ("Cold start").
      bundling: props.readableSecretArn ? STRIPE_PAYMENTS_BUNDLING : PAYMENTS_BUNDLING,
      logRemovalPolicy: props.logRemovalPolicy,
    });
    this.function = fn;
    this.role = role;
    this.logGroup = logGroup;

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
    // The secret-key items (their hashes, the tenants' usage-plan keys) belong to the authorizer and
    // `npm run keys`. An explicit Deny outlasts any Allow added later: code that can write payments
    // can never read a key hash nor mint a credential. ForAnyValue: any auth# key in the request
    // (a batch or a transaction included) denies it.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'NoAuthenticationItems',
        effect: iam.Effect.DENY,
        actions: ['dynamodb:*'],
        resources: [props.table.tableArn],
        conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [`${AUTH_KEY_ROOT}*`] } },
      }),
    );
  }
}
