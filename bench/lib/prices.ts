/**
 * The AWS prices bench:cost applies, in one place: US East (N. Virginia) and Europe (Ireland),
 * which price these the same, on-demand, without free tiers. `verified` says whether the figure
 * was read on the AWS pricing page named in `source`; an unverified one comes from a third-party
 * summary and should be checked before it is relied on.
 */
export const PRICES_AS_OF = '2026-12-01';

export interface Price {
  usd: number;
  per: string;
  source: string;
  verified: boolean;
}

export const PRICES = {
  stepFunctionsTransition: {
    usd: 0.025 / 1000,
    per: 'Standard workflow state transition',
    source:
      'https://aws.amazon.com/step-functions/pricing/ (US East (N. Virginia) and Europe (Ireland): $0.0250 per 1,000)',
    verified: true,
  },
  lambdaRequest: {
    usd: 0.2 / 1_000_000,
    per: 'Lambda request',
    source: 'https://aws.amazon.com/lambda/pricing/ ($0.20 per 1M requests; read in a third-party summary)',
    verified: false,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 'Lambda GB-second on Arm (first 7.5 billion GB-s a month)',
    source: 'https://aws.amazon.com/lambda/pricing/ (read in a third-party summary)',
    verified: false,
  },
  dynamoDbWriteRequestUnit: {
    usd: 0.625 / 1_000_000,
    per: 'DynamoDB on-demand write request unit (after the November 2024 reduction)',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (read in a third-party summary)',
    verified: false,
  },
  dynamoDbReadRequestUnit: {
    usd: 0.125 / 1_000_000,
    per: 'DynamoDB on-demand read request unit',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (read in a third-party summary)',
    verified: false,
  },
  snsPublish: {
    usd: 0.5 / 1_000_000,
    per: 'SNS publish (64 KB chunk)',
    source: 'https://aws.amazon.com/sns/pricing/ (not verified today)',
    verified: false,
  },
  cloudWatchLogsIngestGb: {
    usd: 0.5,
    per: 'GB of CloudWatch Logs ingested (standard class)',
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (not verified today)',
    verified: false,
  },
  s3Put: {
    usd: 0.005 / 1000,
    per: 'S3 Standard PUT request',
    source: 'https://aws.amazon.com/s3/pricing/ (not verified today)',
    verified: false,
  },
} satisfies Record<string, Price>;
