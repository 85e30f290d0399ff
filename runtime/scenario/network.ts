import type { Ec2Sandbox } from '../sandbox/ec2';

/**
 * A member account's network in the sandbox: one VPC with `subnets` subnets, each with its own
 * NACL (or all on the VPC's default NACL when `sharedNacl`), and one instance with an interface
 * in each subnet.
 */
export interface MemberNetwork {
  vpcId: string;
  subnetIds: string[];
  naclIds: string[];
  instanceId: string;
  interfaces: { subnetId: string; privateIpAddress: string; networkInterfaceId?: string }[];
}

export function buildMemberNetwork(
  ec2: Ec2Sandbox,
  account: string,
  region: string,
  options: { subnets?: number; sharedNacl?: boolean; vpcCidr?: string } = {},
): MemberNetwork {
  const count = options.subnets ?? 1;
  const vpcId = ec2.createVpc(account, region, options.vpcCidr ?? '10.0.0.0/16');
  const subnetIds: string[] = [];
  const naclIds = new Set<string>();
  for (let i = 0; i < count; i++) {
    const subnetId = ec2.createSubnet(account, region, vpcId, `10.0.${i + 1}.0/24`);
    if (!options.sharedNacl) {
      const naclId = ec2.createNacl(account, region, vpcId);
      // A custom NACL starts with only the default deny; allow traffic as a real VPC would.
      ec2.addEntryByHand(naclId, {
        RuleNumber: 100,
        Protocol: '-1',
        RuleAction: 'allow',
        Egress: false,
        CidrBlock: '0.0.0.0/0',
      });
      ec2.addEntryByHand(naclId, {
        RuleNumber: 100,
        Protocol: '-1',
        RuleAction: 'allow',
        Egress: true,
        CidrBlock: '0.0.0.0/0',
      });
      ec2.associate(subnetId, naclId);
    }
    naclIds.add(ec2.naclOfSubnet(subnetId));
    subnetIds.push(subnetId);
  }
  const interfaces = subnetIds.map((subnetId, i) => ({ subnetId, privateIpAddress: `10.0.${i + 1}.10` }));
  const instanceId = ec2.runInstance(account, region, interfaces);
  return { vpcId, subnetIds, naclIds: [...naclIds], instanceId, interfaces };
}
