/**
 * The AWS partition a region belongs to, for the ARNs tasks build themselves (the member role's
 * ARN for AssumeRole). Regions of the China partition start with `cn-`, GovCloud's with
 * `us-gov-`, the isolated partitions' with `us-iso-`, `us-isob-`, `eu-isoe-` and `us-isof-`
 * (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
 */
const PARTITIONS: ReadonlyArray<[RegExp, string]> = [
  [/^cn-/, 'aws-cn'],
  [/^us-gov-/, 'aws-us-gov'],
  [/^us-iso-/, 'aws-iso'],
  [/^us-isob-/, 'aws-iso-b'],
  [/^eu-isoe-/, 'aws-iso-e'],
  [/^us-isof-/, 'aws-iso-f'],
];

export function partitionOfRegion(region: string): string {
  return PARTITIONS.find(([pattern]) => pattern.test(region))?.[1] ?? 'aws';
}

/** The partition of an ARN (`arn:aws-us-gov:iam::…` → `aws-us-gov`). */
export function partitionOfArn(arn: string): string {
  const partition = arn.split(':')[1];
  if (!arn.startsWith('arn:') || !partition) throw new Error(`not an ARN: ${arn}`);
  return partition;
}
