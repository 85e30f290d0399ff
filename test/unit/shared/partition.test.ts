import { partitionOfArn, partitionOfRegion } from '../../../tasks/shared/partition';

describe('partitionOfRegion', () => {
  it.each([
    ['eu-west-1', 'aws'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['cn-north-1', 'aws-cn'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
  ])('puts %s in the %s partition', (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
  });
});

describe('partitionOfArn', () => {
  it("reads the partition of the caller's ARN", () => {
    expect(partitionOfArn('arn:aws-us-gov:iam::111111111111:role/WardenTask-Notify')).toBe('aws-us-gov');
  });

  it('fails on something that is not an ARN', () => {
    expect(() => partitionOfArn('WardenTask-Notify')).toThrow('not an ARN: WardenTask-Notify');
  });
});
