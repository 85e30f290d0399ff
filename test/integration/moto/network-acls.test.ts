import {
  CreateNetworkAclCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkAclCommand,
  DescribeNetworkAclsCommand,
  EC2Client,
  ReplaceNetworkAclAssociationCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { WardenConfig } from '../../../config/schema';
import { isWardensEntry, NetworkAcls } from '../../../tasks/response/network-acls';
import type { ClientFactory } from '../../../tasks/shared/aws-clients';
import { TransientAwsError } from '../../../tasks/shared/errors';
import { RuntimeCaches } from '../../../tasks/shared/runtime-caches';
import { makeConfig } from '../../fixtures/findings';
import { createWardenOrganization, HOME_REGION, MEMBER_ROLE, type MotoAccount } from './moto-organization';

/**
 * Warden's NetworkAcls (what the response workflow calls) against EC2 on moto, in a member account
 * reached through Warden's role: resolve subnets to NACLs, add a deny entry, read it back, delete
 * it. The VPC is built through the same assumed role, as a member's own infrastructure would be.
 */
const ATTACKER = '198.51.100.7/32';
const ATTACKER_V6 = '2001:db8::7/128';

let security: MotoAccount;
let member: MotoAccount;
let clients: ClientFactory;
let memberEc2: EC2Client;
let config: WardenConfig;
let vpcId: string;
let customNaclId: string;
let defaultNaclId: string;
const subnets = { web: '', app: '', db: '' };
/** One runtime's caches per test, as one warm Lambda container. */
let caches: RuntimeCaches;

function networkAcls(): NetworkAcls {
  return new NetworkAcls({ clients, config, now: () => new Date(), caches });
}

function ref(naclId = customNaclId) {
  return { account: member.id, region: HOME_REGION, naclId };
}

async function associationOf(subnetId: string): Promise<string> {
  const out = await memberEc2.send(
    new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }),
  );
  const association = out.NetworkAcls?.[0]?.Associations?.find((a) => a.SubnetId === subnetId);
  if (!association?.NetworkAclAssociationId) throw new Error(`subnet ${subnetId} has no NACL association`);
  return association.NetworkAclAssociationId;
}

beforeAll(async () => {
  ({ security, member, clients } = await createWardenOrganization('nacl'));
  const base = makeConfig();
  config = { ...base, organization: { ...base.organization, securityAccountId: security.id } };
  memberEc2 = clients.client(EC2Client, { account: member.id, region: HOME_REGION, roleName: MEMBER_ROLE });

  const vpc = await memberEc2.send(
    new CreateVpcCommand({ CidrBlock: '10.40.0.0/16', AmazonProvidedIpv6CidrBlock: true }),
  );
  vpcId = vpc.Vpc!.VpcId!;
  for (const [name, cidr] of [
    ['web', '10.40.1.0/24'],
    ['app', '10.40.2.0/24'],
    ['db', '10.40.3.0/24'],
  ] as const) {
    const out = await memberEc2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: `${HOME_REGION}a` }),
    );
    subnets[name] = out.Subnet!.SubnetId!;
  }
  customNaclId = (await memberEc2.send(new CreateNetworkAclCommand({ VpcId: vpcId }))).NetworkAcl!
    .NetworkAclId!;
  for (const subnetId of [subnets.web, subnets.app]) {
    await memberEc2.send(
      new ReplaceNetworkAclAssociationCommand({
        AssociationId: await associationOf(subnetId),
        NetworkAclId: customNaclId,
      }),
    );
  }
  const defaults = await memberEc2.send(
    new DescribeNetworkAclsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'default', Values: ['true'] },
      ],
    }),
  );
  defaultNaclId = defaults.NetworkAcls![0]!.NetworkAclId!;
});

beforeEach(() => {
  caches = new RuntimeCaches();
});

afterAll(() => {
  clients.destroy();
});

describe('NetworkAcls.resolve on moto', () => {
  it("finds each subnet's NACL, once per NACL, and reports subnets that do not exist", async () => {
    const missing = 'subnet-0000000000000dead';

    const { nacls, missingSubnets } = await networkAcls().resolve(member.id, HOME_REGION, [
      subnets.web,
      subnets.app,
      subnets.db,
      missing,
    ]);

    expect(nacls).toEqual(
      expect.arrayContaining([
        {
          account: member.id,
          region: HOME_REGION,
          naclId: customNaclId,
          vpcId,
          subnetIds: [subnets.web, subnets.app],
          associatedSubnetCount: 2,
        },
        {
          account: member.id,
          region: HOME_REGION,
          naclId: defaultNaclId,
          vpcId,
          subnetIds: [subnets.db],
          associatedSubnetCount: 1,
        },
      ]),
    );
    expect(nacls).toHaveLength(2);
    expect(missingSubnets).toEqual([missing]);
  });
});

describe('NetworkAcls deny entries on moto', () => {
  it('adds an inbound deny-all entry that reads back as Warden’s own', async () => {
    const acls = networkAcls();

    const result = await acls.addDeny(ref(), 90, ATTACKER);
    const entries = await acls.entries(ref(), { fresh: true });

    expect(result).toBe('CREATED');
    const entry = entries.find((e) => e.RuleNumber === 90 && !e.Egress);
    expect(entry).toEqual({
      RuleNumber: 90,
      Protocol: '-1',
      RuleAction: 'deny',
      Egress: false,
      CidrBlock: ATTACKER,
    });
    expect(isWardensEntry(entry, ATTACKER)).toBe(true);
  });

  it('adds an IPv6 /128 deny entry in a VPC with an IPv6 block', async () => {
    const acls = networkAcls();

    const result = await acls.addDeny(ref(), 91, ATTACKER_V6);
    const entries = await acls.entries(ref(), { fresh: true });

    expect(result).toBe('CREATED');
    expect(entries.find((e) => e.RuleNumber === 91)).toMatchObject({
      Ipv6CidrBlock: ATTACKER_V6,
      RuleAction: 'deny',
      Egress: false,
    });
  });

  it('answers NUMBER_TAKEN when the rule number is already used inbound', async () => {
    const acls = networkAcls();
    await acls.addDeny(ref(), 92, ATTACKER);

    const result = await acls.addDeny(ref(), 92, '198.51.100.8/32');

    expect(result).toBe('NUMBER_TAKEN');
  });

  it('deletes its entry, after which the NACL no longer has it', async () => {
    const acls = networkAcls();
    await acls.addDeny(ref(), 93, ATTACKER);

    const deleted = await acls.deleteEntry(ref(), 93);
    const entries = await acls.entries(ref(), { fresh: true });

    expect(deleted).toBe(true);
    expect(entries.some((e) => e.RuleNumber === 93 && !e.Egress)).toBe(false);
  });

  it('writes in the member account, where the security account’s own identity cannot see the NACL', async () => {
    const securityEc2 = clients.client(EC2Client, { account: security.id, region: HOME_REGION });

    const seen = await securityEc2.send(
      new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );

    expect(seen.NetworkAcls).toEqual([]);
  });
});

describe('where moto departs from AWS', () => {
  it('moto differs from AWS: deleting an entry that is already gone is an HTTP 500, which deleteEntry throws as TransientAwsError (AWS answers InvalidNetworkAclEntry.NotFound and deleteEntry returns false)', async () => {
    const acls = networkAcls();

    const failure = await acls.deleteEntry(ref(), 94).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(TransientAwsError);
    expect((failure as TransientAwsError).cause).toMatchObject({ $metadata: { httpStatusCode: 500 } });
  });

  it('moto differs from AWS: a NACL that no longer exists is InvalidRouteTableID.NotFound, which entries() passes through (AWS answers InvalidNetworkAclID.NotFound and entries() throws ResourceGoneError)', async () => {
    const doomed = (await memberEc2.send(new CreateNetworkAclCommand({ VpcId: vpcId }))).NetworkAcl!
      .NetworkAclId!;
    await memberEc2.send(new DeleteNetworkAclCommand({ NetworkAclId: doomed }));

    const failure = await networkAcls()
      .entries(ref(doomed), { fresh: true })
      .catch((error: unknown) => error);

    expect((failure as Error).name).toBe('InvalidRouteTableID.NotFound');
  });
});
