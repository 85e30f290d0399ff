import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * Warden's one SNS topic (messages carry category, severity, account and region attributes for
 * subscription filters). Encrypted with a customer managed key: Warden's functions get
 * GenerateDataKey/Decrypt through `grantPublish`; the key policy also lets EventBridge and
 * CloudWatch alarms of this account publish (AWS Chatbot subscribes to topics that those feed),
 * which an AWS managed key would not allow. Publishing requires TLS.
 */
export class NotificationTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: 'Warden: encrypts the notification topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AwsServicesOfThisAccountPublish',
        principals: [
          new iam.ServicePrincipal('events.amazonaws.com'),
          new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
        ],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Warden',
      masterKey: this.key,
      enforceSSL: true,
    });
  }
}
