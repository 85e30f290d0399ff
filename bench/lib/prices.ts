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
      'https://aws.amazon.com/lambda/pricing/ (a stored copy from before the Arm option, when memory went up to 3008 MB) — "All examples below are based on price in US East (N. Virginia)" and "The monthly request price is $0.20 per 1 million requests"; AWS\'s whitepaper "How AWS Pricing Works" (https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html) — "$0.20 per 1 million requests thereafter, or $0.0000002 per request"; the current page\'s price table is rendered by script and was not in the text available',
    checked: '2026-12-02',
    verified: true,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    per: 'Lambda GB-second on Arm (first 7.5 billion GB-s a month)',
    source:
      'Not on AWS\'s page in the text available: https://aws.amazon.com/lambda/pricing/ renders its x86/Arm table by script. AWS\'s own figures found: the x86 price "$0.00001667 per GB-s" (the page\'s US East example, stored copy from before Arm; the whitepaper https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html — "$0.00001667 for every GB-second used thereafter") and the AWS News Blog\'s "For functions using the Arm/Graviton2 architecture, duration charges are 20 percent lower than the current pricing for x86" (https://aws.amazon.com/blogs/aws/aws-lambda-functions-powered-by-aws-graviton2-processor-run-your-functions-on-arm-and-get-up-to-34-better-price-performance/), which gives 0.8 × $0.0000166667 = $0.0000133334; that figure, for the first 7.5 billion GB-s in US East (N. Virginia), is stated by https://cloudchipr.com/blog/aws-lambda-pricing',
    checked: '2026-12-02',
    verified: false,
  },
  dynamoDbWriteRequestUnit: {
    usd: 0.625 / 1_000_000,
    per: 'DynamoDB on-demand write request unit (1 KB standard write)',
    source:
      'Not on AWS\'s page in the text available: https://aws.amazon.com/dynamodb/pricing/on-demand/ gives the unit ("A standard write request unit can write an item up to 1 KB") but not the price; the whitepaper https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/amazon-dynamodb.html defines the units without prices. $0.625 per million WRU (US East), after the on-demand price cut of 1 November 2024, from https://airbyte.com/data-engineering-resources/dynamodb-pricing',
    checked: '2026-12-02',
    verified: false,
  },
  dynamoDbReadRequestUnit: {
    usd: 0.125 / 1_000_000,
    per: 'DynamoDB on-demand read request unit',
    source:
      "Not on AWS's page in the text available (as for the write unit); $0.125 per million RRU (US East), after the on-demand price cut of 1 November 2024, from https://airbyte.com/data-engineering-resources/dynamodb-pricing. Another summary (infratally.com, 2026) gives $0.25, the price before that cut",
    checked: '2026-12-02',
    verified: false,
  },
  dynamoDbStorageGbMonth: {
    usd: 0.25,
    per: 'GB-month of DynamoDB storage (Standard table class), each index copy counted',
    source:
      'https://aws.amazon.com/dynamodb/pricing/ (an older stored copy, of the provisioned-capacity era) — "The first 25 GB consumed per month is free, and prices start from $0.25 per GB-month thereafter": AWS\'s figure, but as the lowest regional price, not named for US East; the current on-demand page\'s storage figure was not in the text available; $0.25 per GB-month also from gist.github.com/bluejack/68dd851e8ff1c480d623fc0b09e0423b',
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
