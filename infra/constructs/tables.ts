import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_SCHEMAS } from '../../tasks/shared/tables';
import type { WardenTables } from '../../tasks/shared/task';

export type TableName = keyof WardenTables;

/**
 * Warden's DynamoDB tables, built from TABLE_SCHEMAS so that the deployed keys and TTL are the ones
 * the local runtime creates on dynalite. On demand (load follows findings), point-in-time
 * recovery on, encrypted with the AWS managed key (tasks then need no KMS grants). The ledger is
 * the audit record of every block: deletion protection and RETAIN.
 */
export class WardenTableSet extends Construct {
  readonly tables: Readonly<Record<TableName, dynamodb.Table>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const build = (name: TableName, construct: string): dynamodb.Table => {
      const schema = TABLE_SCHEMAS[name];
      const isLedger = name === 'ledger';
      const table = new dynamodb.Table(this, construct, {
        partitionKey: { name: schema.partitionKey, type: dynamodb.AttributeType.STRING },
        ...(schema.sortKey ? { sortKey: { name: schema.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
        ...(schema.ttlAttribute ? { timeToLiveAttribute: schema.ttlAttribute } : {}),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        deletionProtection: isLedger,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const index of schema.indexes ?? []) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
          ...(index.sortKey ? { sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING } } : {}),
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      return table;
    };
    this.tables = {
      ledger: build('ledger', 'Ledger'),
      approvals: build('approvals', 'Approvals'),
      findings: build('findings', 'Findings'),
      accounts: build('accounts', 'Accounts'),
    };
  }
}
