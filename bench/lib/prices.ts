/**
 * The AWS prices bench:cost applies, in one place: US East (N. Virginia) and Europe (Ireland),
 * on-demand, without free tiers. Each price says where it was read and when (`checked`):
 * `verified` is true only when the figure itself was read on AWS's own pricing page named in
 * `source`. Where AWS's page could not be found or did not show the figure, `source` says so and
 * names the third-party summary the figure comes from; check those before relying on them.
 */
export const PRICES_AS_OF = '2026-12-01';

export interface Price {
  usd: number;
  per: string;
  source: string;
  /** The day the source was read (UTC). */
  checked: string;
  verified: boolean;
}

export const PRICES = {
  stepFunctionsTransition: {
    usd: 0.025 / 1000,
    per: 'Standard workflow state transition (retries count as transitions too)',
    source:
      'https://aws.amazon.com/step-functions/pricing/ — "$0.025 per 1,000 state transitions"; the regional table gives $0.0250 for US East (N. Virginia) and Europe (Ireland); "Step Functions counts a state transition each time a step of your workflow is executed … including retries"',
    checked: '2026-12-01',
    verified: true,
  },
  xrayTraceRecorded: {
    usd: 5 / 1_000_000,
    per: 'X-Ray trace recorded (only with observability.tracing on; at most one per execution, as sampled)',
    source:
      'https://aws.amazon.com/de/xray/pricing/ (the German page of AWS X-Ray pricing) — recorded traces beyond the free tier "werden mit 5 USD pro Million in Rechnung gestellt (0,000005 USD pro Ablaufverfolgung)"; the free tier of 100,000 recorded traces a month is not applied here',
    checked: '2026-12-02',
    verified: true,
  },
  lambdaRequest: {
    usd: 0.2 / 1_000_000,
    per: 'Lambda request',
    source:
      'AWS page https://aws.amazon.com/lambda/pricing/ found (an archived copy of 2026-06-18) but the text available did not show the price table; $0.20 per 1M requests from third-party summaries (notes.kodekloud.com "AWS Lambda Pricing", git.mcrn.ar lambda-13-cost.md)',
    checked: '2026-12-01',
    verified: false,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 'Lambda GB-second on Arm (first 7.5 billion GB-s a month)',
    source:
      'AWS page https://aws.amazon.com/lambda/pricing/ found without its price table; $0.0000133334 per GB-s on Arm, first 7.5 billion GB-s, from https://cloudchipr.com/blog/aws-lambda-pricing (US East (N. Virginia))',
    checked: '2026-12-01',
    verified: false,
  },
  dynamoDbWriteRequestUnit: {
    usd: 0.625 / 1_000_000,
    per: 'DynamoDB on-demand write request unit (1 KB standard write)',
    source:
      'AWS page https://aws.amazon.com/dynamodb/pricing/on-demand/ found (2026-12-02): its key terms say "A standard write request unit can write an item up to 1 KB", but the price table was not in the text available; $0.625 per million WRU (US East) from https://airbyte.com/data-engineering-resources/dynamodb-pricing',
    checked: '2026-12-02',
    verified: false,
  },
  dynamoDbReadRequestUnit: {
    usd: 0.125 / 1_000_000,
    per: 'DynamoDB on-demand read request unit',
    source:
      'AWS page https://aws.amazon.com/dynamodb/pricing/on-demand/ not found; $0.125 per million RRU (US East) from https://airbyte.com/data-engineering-resources/dynamodb-pricing',
    checked: '2026-12-01',
    verified: false,
  },
  dynamoDbStorageGbMonth: {
    usd: 0.25,
    per: 'GB-month of DynamoDB storage (Standard table class), each index copy counted',
    source:
      'AWS page https://aws.amazon.com/dynamodb/pricing/on-demand/ found (2026-12-02) without its storage figure in the text available; $0.25 per GB-month from a third-party price summary (gist.github.com/bluejack/68dd851e8ff1c480d623fc0b09e0423b)',
    checked: '2026-12-02',
    verified: false,
  },
  snsPublish: {
    usd: 0.5 / 1_000_000,
    per: 'SNS publish to a standard topic (64 KB chunk)',
    source:
      'AWS page https://aws.amazon.com/sns/pricing/ not found; $0.50 per million standard-topic publishes from https://www.factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/ (deliveries to subscribers are billed on top and not priced here)',
    checked: '2026-12-01',
    verified: false,
  },
  cloudWatchLogsIngestGb: {
    usd: 0.5,
    per: 'GB of CloudWatch Logs ingested (standard class)',
    source:
      'AWS page https://aws.amazon.com/cloudwatch/pricing/ found, but its Logs price table was not in the text available; $0.50 per GB ingested from https://coralogix.com/blog/is-cloudwatch-really-cost-efficient',
    checked: '2026-12-01',
    verified: false,
  },
  s3Put: {
    usd: 0.005 / 1000,
    per: 'S3 Standard PUT request',
    source:
      'AWS page https://aws.amazon.com/s3/pricing/ found, but its request table was not in the text available; $0.005 per 1,000 PUT, COPY, POST, LIST requests (S3 Standard) from https://c3x.dev/blog/s3-request-fees-explained',
    checked: '2026-12-01',
    verified: false,
  },
} satisfies Record<string, Price>;
