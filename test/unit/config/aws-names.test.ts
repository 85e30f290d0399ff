import { describe, expect, it } from '@jest/globals';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { ACCOUNT_ID, accountIdSchema, REGION, regionSchema } from '../../../config/aws-names';

describe('REGION', () => {
  // aws-cdk-lib's region facts list every region of every partition the CDK deploys to.
  const known = RegionInfo.regions.map((r) => r.name);

  it('matches every region the CDK knows, in every partition', () => {
    expect(known.length).toBeGreaterThan(30);
    expect(known.filter((name) => !REGION.test(name))).toEqual([]);
  });

  it.each([
    'us-east-1',
    'us-gov-west-1',
    'us-gov-east-1',
    'cn-north-1',
    'cn-northwest-1',
    'eu-central-2',
    'ap-southeast-5',
    'mx-central-1',
    'us-isob-east-1',
    'eu-isoe-west-1',
  ])('accepts %s', (name) => {
    expect(REGION.test(name)).toBe(true);
  });

  it.each(['', 'us-east', 'US-EAST-1', 'us_east_1', 'useast1', 'us-east-1a', 'us-east-123', ' us-east-1'])(
    'refuses %j',
    (name) => {
      expect(REGION.test(name)).toBe(false);
    },
  );

  it('says what a region name looks like', () => {
    const result = regionSchema.safeParse('moon-base-1a');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('must be an AWS region name such as eu-west-1');
  });
});

describe('ACCOUNT_ID', () => {
  it('accepts twelve digits, leading zeros included', () => {
    expect(ACCOUNT_ID.test('111111111111')).toBe(true);
    expect(ACCOUNT_ID.test('012345678901')).toBe(true);
  });

  it.each(['11111111111', '1111111111111', '11111111111a', '', '1111 1111 1111'])('refuses %j', (id) => {
    expect(ACCOUNT_ID.test(id)).toBe(false);
    expect(accountIdSchema.safeParse(id).error?.issues[0]?.message).toBe('must be a 12-digit AWS account id');
  });
});
