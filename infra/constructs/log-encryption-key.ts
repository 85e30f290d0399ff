import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface LogEncryptionKeyProps {
  /** How long Warden's log groups keep events. @default - one year */
  readonly retention?: logs.RetentionDays;
}

/**
 * One customer managed key for all of Warden's log groups (state machine logs hold execution data:
 * findings, addresses, approvers). CloudWatch Logs may use it only for log groups of this account
 * and region.
 */
export class LogEncryptionKey extends Construct {
  readonly key: kms.Key;
  private readonly retention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: LogEncryptionKeyProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.retention = props.retention ?? logs.RetentionDays.ONE_YEAR;
    this.key = new kms.Key(this, 'Key', {
      description: 'Warden: encrypts the log groups of its functions, state machines and API',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsUseForThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
          },
        },
      }),
    );
  }

  /** A log group encrypted with this key and kept for the configured retention. */
  logGroup(scope: Construct, id: string, logGroupName?: string): logs.LogGroup {
    return new logs.LogGroup(scope, id, {
      logGroupName,
      encryptionKey: this.key,
      retention: this.retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
