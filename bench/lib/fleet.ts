import { parseConfig } from '../../config/load';
import { ManualClock } from '../../runtime/clock';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { intakeFinding } from '../../tasks/response/intake';
import { type FindingOptions, makeFindingEvent, makeNetworkInterface } from '../../test/fixtures/findings';

/**
 * Many member accounts and NACLs for the throughput and storm runs of bench:response: per
 * (account, region), one VPC with `subnetsPerVpc` subnets, each with its own NACL and one
 * instance with a single interface, so a finding about that instance targets exactly one NACL.
 *
 * The customer's ALLOW rule sits at 2000, above Warden's band 1–1000: NACLs evaluate the lowest
 * number first, so a deny only works below the allow it must override. The quota is raised to
 * AWS's maximum of 40 per direction and family; the default deny and the allow take two, so each
 * NACL has room for 38 Warden entries.
 */
export interface FleetNacl {
  account: string;
  region: string;
  naclId: string;
  subnetId: string;
  vpcId: string;
  instanceId: string;
  privateIp: string;
}

export interface Fleet {
  warden: LocalWarden;
  clock: ManualClock;
  nacls: FleetNacl[];
  /** The intake, as EventBridge would invoke it, for a finding about `nacl`'s instance. */
  deliver(nacl: FleetNacl, finding: FindingOptions): ReturnType<typeof intakeFinding>;
  /** Resolves when every execution has ended or is parked on its expiry Wait. */
  quiet(): Promise<void>;
}

export const FLEET_RULE_QUOTA = 40;
export const FLEET_BAND = { start: 1, end: 1000 } as const;

export async function startFleet(options: {
  accounts: number;
  regions: string[];
  subnetsPerVpc: number;
}): Promise<Fleet> {
  const config = parseConfig({
    organization: {
      managementAccountId: '111111111111',
      securityAccountId: '222222222222',
      homeRegion: options.regions[0]!,
      regions: options.regions,
    },
    response: {
      mode: 'enforce',
      ruleBand: FLEET_BAND,
      naclRuleQuota: FLEET_RULE_QUOTA,
      blockMinutes: 60,
    },
  });
  const clock = new ManualClock(Date.parse('2026-03-01T10:06:00Z'));
  const members = demoMembers(options.accounts);
  const warden = await startLocalWarden({
    config,
    members,
    clock,
    retryIntervalMs: 0,
    workflows: ['response'],
  });
  const ec2 = warden.world.services.ec2;
  ec2.ruleQuota = FLEET_RULE_QUOTA;
  const nacls: FleetNacl[] = [];
  for (const member of members) {
    for (const region of options.regions) {
      const vpcId = ec2.createVpc(member.id, region, '10.0.0.0/16');
      for (let i = 0; i < options.subnetsPerVpc; i++) {
        const subnetId = ec2.createSubnet(member.id, region, vpcId, `10.0.${i + 1}.0/24`);
        const naclId = ec2.createNacl(member.id, region, vpcId);
        for (const Egress of [false, true]) {
          ec2.addEntryByHand(naclId, {
            RuleNumber: 2000,
            Protocol: '-1',
            RuleAction: 'allow',
            Egress,
            CidrBlock: '0.0.0.0/0',
          });
        }
        ec2.associate(subnetId, naclId);
        const privateIp = `10.0.${i + 1}.10`;
        const instanceId = ec2.runInstance(member.id, region, [{ subnetId, privateIpAddress: privateIp }]);
        nacls.push({ account: member.id, region, naclId, subnetId, vpcId, instanceId, privateIp });
      }
    }
  }
  return {
    warden,
    clock,
    nacls,
    deliver: (nacl, finding) =>
      intakeFinding(
        makeFindingEvent({
          accountId: nacl.account,
          region: nacl.region,
          instanceId: nacl.instanceId,
          networkInterfaces: [
            makeNetworkInterface({
              subnetId: nacl.subnetId,
              vpcId: nacl.vpcId,
              privateIpAddress: nacl.privateIp,
              privateIpAddresses: [{ privateIpAddress: nacl.privateIp }],
              publicIp: undefined,
            }),
          ],
          ...finding,
        }),
        warden.functionDeps('IntakeFinding'),
      ),
    quiet: async () => {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (warden.runtime.runningCount === clock.pending) return;
      }
    },
  };
}

/** Runs `work` over `items` with at most `limit` in flight, as a bounded pool of Lambda containers would. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** The three IPv4 documentation ranges (never special to Warden), then IPv6 documentation addresses. */
export function attackerAddress(n: number): string {
  const v4 = ['203.0.113', '198.51.100', '192.0.2'];
  if (n < v4.length * 254) return `${v4[Math.floor(n / 254)]}.${(n % 254) + 1}`;
  return `2001:db8:${(n >> 16).toString(16)}:${(n & 0xffff).toString(16)}::1`;
}
