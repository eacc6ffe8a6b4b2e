import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { SECONDARY_INDEXES, TableSchema } from '../../lambda/shared/table';

export interface PaymentsTableProps {
  /** Keep the table (and refuse to delete it) when the stack goes away. */
  readonly retainData: boolean;
}

/**
 * The one table of lambda/shared/table.ts: idempotency records, payments and simulated charges.
 * Key and TTL attribute names come from the shared schema, never from a literal here.
 */
export class PaymentsTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: PaymentsTableProps) {
    super(scope, id);
    // 'TableV2': the v2 layout (digest keys, payments inside their records, two indexes) cannot
    // read a v1 table, and CloudFormation adds at most one index per update. A new logical id makes
    // an upgrade create a fresh table with both indexes; a retained v1 table is left as it was.
    this.table = new dynamodb.Table(this, 'TableV2', {
      partitionKey: { name: TableSchema.partitionKey, type: dynamodb.AttributeType.STRING },
      // On demand: no capacity to plan, nothing billed while idle.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // TTL only reclaims storage (it deletes up to days late); the code checks expiry itself.
      timeToLiveAttribute: TableSchema.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // A payments ledger must outlive a mistaken `cdk destroy`; a dev table need not.
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const index of SECONDARY_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: index.sortKeyType === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.INCLUDE,
        nonKeyAttributes: [...index.projectedAttributes],
      });
    }
  }
}
