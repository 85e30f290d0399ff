import type { Finding } from '@aws-sdk/client-guardduty';
import type { WardenConfig } from '../../config/schema';
import { ManualClock, settle } from '../../runtime/clock';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { buildMemberNetwork, type MemberNetwork } from '../../runtime/scenario/network';
import { intakeFinding } from '../../tasks/response/intake';
import { camelCaseKeys } from '../triage/report';

/**
 * The sandbox organisation `warden findings` shows when no AWS flag is given: three member
 * accounts, members of the security account's GuardDuty in the config's first two regions, a
 * known set of findings, and two of them handed to Warden's response so that the view has a
 * block and a pending approval to show.
 */
export interface DemoFinding {
  account: number;
  /** Index into the config's regions (0 or 1). */
  region: number;
  type: string;
  severity: number;
  remoteIp?: string;
  direction?: 'INBOUND' | 'OUTBOUND';
  resourceRole?: 'TARGET' | 'ACTOR';
  actionType: 'NETWORK_CONNECTION' | 'PORT_PROBE' | 'AWS_API_CALL';
  /** Delivered to Warden's response workflow. */
  respond?: boolean;
}

export const DEMO_MEMBERS = 3;

export const DEMO_FINDINGS: readonly DemoFinding[] = [
  // One scanner probing every account: the first address in the view.
  {
    account: 0,
    region: 0,
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    severity: 8,
    remoteIp: '203.0.113.50',
    actionType: 'PORT_PROBE',
    respond: true,
  },
  {
    account: 1,
    region: 0,
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    severity: 5,
    remoteIp: '203.0.113.50',
    actionType: 'PORT_PROBE',
  },
  {
    account: 2,
    region: 1,
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    severity: 2,
    remoteIp: '203.0.113.50',
    actionType: 'PORT_PROBE',
  },
  {
    account: 0,
    region: 0,
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 2,
    remoteIp: '192.0.2.44',
    direction: 'INBOUND',
    actionType: 'NETWORK_CONNECTION',
    respond: true,
  },
  {
    account: 1,
    region: 0,
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 2,
    remoteIp: '192.0.2.44',
    direction: 'INBOUND',
    actionType: 'NETWORK_CONNECTION',
  },
  {
    account: 1,
    region: 1,
    type: 'UnauthorizedAccess:EC2/RDPBruteForce',
    severity: 2,
    remoteIp: '2001:db8::bad',
    direction: 'INBOUND',
    actionType: 'NETWORK_CONNECTION',
  },
  {
    account: 2,
    region: 0,
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    severity: 5,
    remoteIp: '10.20.30.40',
    actionType: 'PORT_PROBE',
  },
  {
    account: 2,
    region: 0,
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 5,
    remoteIp: '203.0.113.77',
    direction: 'OUTBOUND',
    resourceRole: 'ACTOR',
    actionType: 'NETWORK_CONNECTION',
  },
  {
    account: 0,
    region: 1,
    type: 'Backdoor:EC2/C&CActivity.B',
    severity: 8,
    remoteIp: '203.0.113.99',
    direction: 'OUTBOUND',
    actionType: 'NETWORK_CONNECTION',
  },
  {
    account: 1,
    region: 0,
    type: 'Stealth:IAMUser/CloudTrailLoggingDisabled',
    severity: 2,
    actionType: 'AWS_API_CALL',
  },
  {
    account: 2,
    region: 1,
    type: 'Stealth:IAMUser/PasswordPolicyChange',
    severity: 2,
    actionType: 'AWS_API_CALL',
  },
  {
    account: 0,
    region: 0,
    type: 'CryptoCurrency:EC2/BitcoinTool.B',
    severity: 9.5,
    remoteIp: '203.0.113.120',
    direction: 'OUTBOUND',
    actionType: 'NETWORK_CONNECTION',
  },
];

export interface FindingsDemo {
  warden: LocalWarden;
  regions: string[];
  members: string[];
  /** Lets the demo's responses run to their end (approvals time out, blocks expire), then stops. */
  stop(): Promise<void>;
}

/** Longer than any approval timeout plus the longest block the config allows. */
const RUN_OUT_MS = 400 * 24 * 60 * 60 * 1000;

export async function startFindingsDemo(config: WardenConfig): Promise<FindingsDemo> {
  const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
  const members = demoMembers(DEMO_MEMBERS);
  const warden = await startLocalWarden({ config, members, clock, workflows: ['response'] });
  try {
    const org = config.organization;
    const regions = [org.homeRegion, ...org.regions.filter((r) => r !== org.homeRegion)].slice(0, 2);
    const guardduty = warden.world.services.guardduty;
    for (const region of regions) {
      for (const member of members)
        guardduty.setRelationship(org.securityAccountId, member.id, region, 'Enabled');
    }
    const networks = new Map<string, MemberNetwork>();
    const networkOf = (account: string, region: string) => {
      const key = `${account}|${region}`;
      let network = networks.get(key);
      if (!network) {
        network = buildMemberNetwork(warden.world.services.ec2, account, region);
        networks.set(key, network);
      }
      return network;
    };
    let minute = 0;
    for (const [i, demo] of DEMO_FINDINGS.entries()) {
      const account = members[demo.account % members.length]!.id;
      const region = regions[demo.region % regions.length]!;
      const at = new Date(clock.now() + minute++ * 60_000).toISOString();
      const stored = guardduty.addFinding(
        account,
        region,
        sdkFinding(demo, `demo${String(i).padStart(4, '0')}`, at, networkOf(account, region)),
      );
      if (demo.respond) {
        await intakeFinding(
          { 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail: camelCaseKeys(stored) },
          warden.functionDeps('IntakeFinding'),
        );
        await settle();
      }
    }
    await settle();
    return {
      warden,
      regions,
      members: members.map((m) => m.id),
      async stop() {
        // An execution stopped mid-task leaves the engine's task timer behind, which would keep
        // the process alive; executions that reach their end leave nothing.
        await clock.advance(RUN_OUT_MS);
        await settle();
        await warden.stop();
      },
    };
  } catch (error) {
    await warden.stop();
    throw error;
  }
}

/** A finding as GuardDuty stores it (the SDK's PascalCase shape). */
function sdkFinding(demo: DemoFinding, id: string, at: string, network: MemberNetwork): Partial<Finding> {
  const remote = demo.remoteIp?.includes(':')
    ? { IpAddressV6: demo.remoteIp }
    : { IpAddressV4: demo.remoteIp };
  const action =
    demo.actionType === 'PORT_PROBE'
      ? {
          ActionType: 'PORT_PROBE',
          PortProbeAction: {
            Blocked: false,
            PortProbeDetails: [{ LocalPortDetails: { Port: 22, PortName: 'SSH' }, RemoteIpDetails: remote }],
          },
        }
      : demo.actionType === 'NETWORK_CONNECTION'
        ? {
            ActionType: 'NETWORK_CONNECTION',
            NetworkConnectionAction: {
              ConnectionDirection: demo.direction ?? 'INBOUND',
              Protocol: 'TCP',
              Blocked: false,
              RemoteIpDetails: remote,
            },
          }
        : { ActionType: 'AWS_API_CALL', AwsApiCallAction: { Api: 'DeleteTrail' } };
  const iface = network.interfaces[0]!;
  return {
    Id: id,
    Type: demo.type,
    Severity: demo.severity,
    Title: `${demo.type} in the sandbox organisation`,
    CreatedAt: at,
    UpdatedAt: at,
    Resource: {
      ResourceType: 'Instance',
      InstanceDetails: {
        InstanceId: network.instanceId,
        NetworkInterfaces: [
          {
            NetworkInterfaceId: iface.networkInterfaceId,
            SubnetId: iface.subnetId,
            VpcId: network.vpcId,
            PrivateIpAddress: iface.privateIpAddress,
          },
        ],
      },
    },
    Service: {
      Action: action,
      ResourceRole: demo.resourceRole ?? 'TARGET',
      Count: 1,
      Archived: false,
      EventFirstSeen: at,
      EventLastSeen: at,
    },
  } as Partial<Finding>;
}
