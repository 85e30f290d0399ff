import {
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  type CreateNetworkAclEntryCommandInput,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  EC2Client,
  type NetworkAcl,
  type NetworkAclEntry,
  ReplaceNetworkAclAssociationCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Ec2Sandbox } from '../../runtime/sandbox/ec2';
import type { ClientFactory } from '../../tasks/shared/aws-clients';
import { HOME_REGION, MEMBER_A, MEMBER_ROLE, makeWorld } from '../runtime/sandbox/fixtures';
import { createWardenOrganization } from './moto/moto-organization';

/**
 * One set of NACL scenarios, written once, run against the sandbox cloud (in process, through
 * the SDK's own middleware stack) and against moto (over HTTP). Both are reached the way Warden
 * reaches a member account: a client factory assuming Warden's role.
 *
 * Each scenario's name states AWS's documented behaviour, and the sandbox must show it. Where moto
 * departs from AWS, the scenario says what moto does instead; the moto test asserts moto's actual
 * behaviour under a name that starts with "moto differs from AWS", so a moto upgrade that fixes
 * the difference fails here and the scenario can lose its exception.
 */
interface NaclBackend {
  /** An EC2 client in the member account, acting as Warden's role. */
  ec2: EC2Client;
  createVpc(cidr: string): Promise<string>;
  createSubnet(vpcId: string, cidr: string): Promise<string>;
  /** A custom (non-default) NACL in `vpcId`. */
  createNacl(vpcId: string): Promise<string>;
  /** Moves `subnetId` to `naclId`, as ReplaceNetworkAclAssociation does. */
  associate(subnetId: string, naclId: string): Promise<void>;
  close(): void;
}

type Outcome = { ok: true } | { ok: false; code: string; status: number | undefined };

interface Scenario<T> {
  /** AWS's behaviour, as a specification; the test name wherever the backend agrees with AWS. */
  aws: string;
  act(backend: NaclBackend): Promise<T>;
  expectAws(outcome: T): void;
  /** Set where moto departs from AWS: the test name (starting "moto differs from AWS") and moto's behaviour. */
  moto?: { differs: string; expect(outcome: T): void };
}

const DENY_ALL = { Protocol: '-1', RuleAction: 'deny', Egress: false } as const;
let vpcSequence = 0;

async function attempt(call: Promise<unknown>): Promise<Outcome> {
  try {
    await call;
    return { ok: true };
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { ok: false, code: e.name, status: e.$metadata?.httpStatusCode };
  }
}

/** A fresh VPC (its own /16, so scenarios never share state) with one subnet and a custom NACL. */
async function freshNacl(backend: NaclBackend): Promise<{ vpcId: string; subnetId: string; naclId: string }> {
  vpcSequence += 1;
  const vpcId = await backend.createVpc(`10.${vpcSequence % 250}.0.0/16`);
  const subnetId = await backend.createSubnet(vpcId, `10.${vpcSequence % 250}.1.0/24`);
  const naclId = await backend.createNacl(vpcId);
  return { vpcId, subnetId, naclId };
}

function addEntry(
  backend: NaclBackend,
  naclId: string,
  entry: Partial<CreateNetworkAclEntryCommandInput> = {},
): Promise<Outcome> {
  return attempt(
    backend.ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: naclId,
        RuleNumber: 100,
        CidrBlock: '198.51.100.7/32',
        ...DENY_ALL,
        ...entry,
      }),
    ),
  );
}

async function describeNacl(backend: NaclBackend, naclId: string): Promise<NetworkAcl> {
  const out = await backend.ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [naclId] }));
  return out.NetworkAcls![0]!;
}

async function entriesOf(backend: NaclBackend, naclId: string): Promise<NetworkAclEntry[]> {
  return (await describeNacl(backend, naclId)).Entries ?? [];
}

/** Entries as comparable text, ordered by direction then rule number. */
function summarise(entries: NetworkAclEntry[]): string[] {
  return [...entries]
    .sort((a, b) => Number(a.Egress) - Number(b.Egress) || a.RuleNumber! - b.RuleNumber!)
    .map(
      (e) =>
        `${e.Egress ? 'out' : 'in'} ${e.RuleNumber} ${e.RuleAction} ${e.Protocol} ${e.CidrBlock ?? e.Ipv6CidrBlock}`,
    );
}

const rejected = (code: string) => ({ ok: false, code, status: 400 });

const scenarios: Scenario<unknown>[] = [
  {
    aws: "gives a new VPC's default NACL an allow-all rule 100 and the deny-all rule 32767 in each direction",
    act: async (backend) => {
      const vpcId = await backend.createVpc('10.250.0.0/16');
      const out = await backend.ec2.send(
        new DescribeNetworkAclsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'default', Values: ['true'] },
          ],
        }),
      );
      return out.NetworkAcls!.map((n) => ({ isDefault: n.IsDefault, entries: summarise(n.Entries ?? []) }));
    },
    expectAws: (nacls) =>
      expect(nacls).toEqual([
        {
          isDefault: true,
          entries: [
            'in 100 allow -1 0.0.0.0/0',
            'in 32767 deny -1 0.0.0.0/0',
            'out 100 allow -1 0.0.0.0/0',
            'out 32767 deny -1 0.0.0.0/0',
          ],
        },
      ]),
  },
  {
    aws: 'gives a new custom NACL only the deny-all rule 32767 in each direction',
    act: async (backend) => summarise(await entriesOf(backend, (await freshNacl(backend)).naclId)),
    expectAws: (entries) =>
      expect(entries).toEqual(['in 32767 deny -1 0.0.0.0/0', 'out 32767 deny -1 0.0.0.0/0']),
    moto: {
      differs:
        'moto differs from AWS: a new custom NACL has no entries at all (AWS gives it rule 32767 deny-all)',
      expect: (entries) => expect(entries).toEqual([]),
    },
  },
  {
    aws: "associates a new subnet with its VPC's default NACL",
    act: async (backend) => {
      const { vpcId, subnetId } = await freshNacl(backend);
      const out = await backend.ec2.send(
        new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }),
      );
      return out.NetworkAcls!.map((n) => ({ vpc: n.VpcId === vpcId, isDefault: n.IsDefault }));
    },
    expectAws: (nacls) => expect(nacls).toEqual([{ vpc: true, isDefault: true }]),
  },
  {
    aws: 'moves a subnet to a custom NACL on re-association; the default NACL no longer lists it',
    act: async (backend) => {
      const { vpcId, subnetId, naclId } = await freshNacl(backend);
      await backend.associate(subnetId, naclId);
      const out = await backend.ec2.send(
        new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
      );
      return out.NetworkAcls!.map((n) => ({
        custom: n.NetworkAclId === naclId,
        subnets: (n.Associations ?? []).map((a) => (a.SubnetId === subnetId ? 'ours' : 'other')),
      }));
    },
    expectAws: (nacls) =>
      expect(nacls).toEqual(
        expect.arrayContaining([
          { custom: true, subnets: ['ours'] },
          { custom: false, subnets: [] },
        ]),
      ),
  },
  {
    aws: 'stores a new entry with the canonical network address (203.0.113.7/24 reads back as 203.0.113.0/24)',
    act: async (backend) => {
      const { naclId } = await freshNacl(backend);
      const outcome = await addEntry(backend, naclId, { RuleNumber: 90, CidrBlock: '203.0.113.7/24' });
      const entry = (await entriesOf(backend, naclId)).find((e) => e.RuleNumber === 90);
      return { outcome, entry };
    },
    expectAws: (result) =>
      expect(result).toEqual({
        outcome: { ok: true },
        entry: { RuleNumber: 90, CidrBlock: '203.0.113.0/24', ...DENY_ALL },
      }),
    moto: {
      differs:
        'moto differs from AWS: stores the CIDR as given, 203.0.113.7/24 (AWS stores the network address 203.0.113.0/24)',
      expect: (result) =>
        expect(result).toEqual({
          outcome: { ok: true },
          entry: { RuleNumber: 90, CidrBlock: '203.0.113.7/24', ...DENY_ALL },
        }),
    },
  },
  {
    aws: 'refuses a second inbound entry with the same rule number: NetworkAclEntryAlreadyExists',
    act: async (backend) => {
      const { naclId } = await freshNacl(backend);
      await addEntry(backend, naclId, { RuleNumber: 90 });
      return addEntry(backend, naclId, { RuleNumber: 90, CidrBlock: '198.51.100.8/32' });
    },
    expectAws: (outcome) => expect(outcome).toEqual(rejected('NetworkAclEntryAlreadyExists')),
  },
  {
    aws: 'numbers inbound and outbound rules separately: the same rule number may be used once each way',
    act: async (backend) => {
      const { naclId } = await freshNacl(backend);
      const inbound = await addEntry(backend, naclId, { RuleNumber: 90 });
      const outbound = await addEntry(backend, naclId, { RuleNumber: 90, Egress: true });
      return [inbound, outbound];
    },
    expectAws: (outcomes) => expect(outcomes).toEqual([{ ok: true }, { ok: true }]),
  },
  {
    aws: 'counts the default deny toward the quota of 20 inbound rules: the 20th added entry is NetworkAclEntryLimitExceeded',
    act: async (backend) => {
      const { naclId } = await freshNacl(backend);
      const outcomes: Outcome[] = [];
      for (let i = 1; i <= 20; i += 1) {
        outcomes.push(await addEntry(backend, naclId, { RuleNumber: i, CidrBlock: `198.51.100.${i}/32` }));
      }
      return outcomes;
    },
    expectAws: (outcomes) => {
      const all = outcomes as Outcome[];
      expect(all.slice(0, 19).every((o) => o.ok)).toBe(true);
      expect(all[19]).toEqual(rejected('NetworkAclEntryLimitExceeded'));
    },
    moto: {
      differs:
        'moto differs from AWS: has no rule quota and accepts a 20th added inbound entry (AWS answers NetworkAclEntryLimitExceeded)',
      expect: (outcomes) => expect((outcomes as Outcome[]).every((o) => o.ok)).toBe(true),
    },
  },
  {
    aws: 'refuses rule number 0: InvalidParameterValue',
    act: async (backend) => addEntry(backend, (await freshNacl(backend)).naclId, { RuleNumber: 0 }),
    expectAws: (outcome) => expect(outcome).toEqual(rejected('InvalidParameterValue')),
    moto: {
      differs: 'moto differs from AWS: accepts rule number 0 (AWS answers InvalidParameterValue)',
      expect: (outcome) => expect(outcome).toEqual({ ok: true }),
    },
  },
  {
    aws: 'refuses rule number 32767, the default rule’s: InvalidParameterValue',
    act: async (backend) => addEntry(backend, (await freshNacl(backend)).naclId, { RuleNumber: 32767 }),
    expectAws: (outcome) => expect(outcome).toEqual(rejected('InvalidParameterValue')),
    moto: {
      differs:
        'moto differs from AWS: accepts rule number 32767 in a custom NACL (AWS answers InvalidParameterValue)',
      expect: (outcome) => expect(outcome).toEqual({ ok: true }),
    },
  },
  {
    aws: 'refuses a CIDR that is not one (203.0.113.300/33): InvalidParameterValue',
    act: async (backend) =>
      addEntry(backend, (await freshNacl(backend)).naclId, { CidrBlock: '203.0.113.300/33' }),
    expectAws: (outcome) => expect(outcome).toEqual(rejected('InvalidParameterValue')),
    moto: {
      differs: 'moto differs from AWS: accepts the CIDR 203.0.113.300/33 (AWS answers InvalidParameterValue)',
      expect: (outcome) => expect(outcome).toEqual({ ok: true }),
    },
  },
  {
    aws: 'refuses an unknown protocol (banana): InvalidParameterValue',
    act: async (backend) => addEntry(backend, (await freshNacl(backend)).naclId, { Protocol: 'banana' }),
    expectAws: (outcome) => expect(outcome).toEqual(rejected('InvalidParameterValue')),
    moto: {
      differs: 'moto differs from AWS: accepts the protocol banana (AWS answers InvalidParameterValue)',
      expect: (outcome) => expect(outcome).toEqual({ ok: true }),
    },
  },
  {
    aws: 'refuses a rule action other than allow or deny: InvalidParameterValue',
    act: async (backend) =>
      addEntry(backend, (await freshNacl(backend)).naclId, { RuleAction: 'maybe' as 'deny' }),
    expectAws: (outcome) => expect(outcome).toEqual(rejected('InvalidParameterValue')),
    moto: {
      differs: 'moto differs from AWS: accepts the rule action maybe (AWS answers InvalidParameterValue)',
      expect: (outcome) => expect(outcome).toEqual({ ok: true }),
    },
  },
  {
    aws: 'deletes an entry, after which the NACL no longer lists it',
    act: async (backend) => {
      const { naclId } = await freshNacl(backend);
      await addEntry(backend, naclId, { RuleNumber: 90 });
      const outcome = await attempt(
        backend.ec2.send(
          new DeleteNetworkAclEntryCommand({ NetworkAclId: naclId, RuleNumber: 90, Egress: false }),
        ),
      );
      return { outcome, still: (await entriesOf(backend, naclId)).some((e) => e.RuleNumber === 90) };
    },
    expectAws: (result) => expect(result).toEqual({ outcome: { ok: true }, still: false }),
  },
  {
    aws: 'answers InvalidNetworkAclEntry.NotFound when deleting an entry that does not exist',
    act: async (backend) =>
      attempt(
        backend.ec2.send(
          new DeleteNetworkAclEntryCommand({
            NetworkAclId: (await freshNacl(backend)).naclId,
            RuleNumber: 90,
            Egress: false,
          }),
        ),
      ),
    expectAws: (outcome) => expect(outcome).toEqual(rejected('InvalidNetworkAclEntry.NotFound')),
    moto: {
      differs:
        'moto differs from AWS: deleting an entry that does not exist is an HTTP 500 with an HTML body (AWS answers InvalidNetworkAclEntry.NotFound)',
      expect: (outcome) => expect(outcome).toMatchObject({ ok: false, status: 500 }),
    },
  },
  {
    aws: 'answers InvalidNetworkAclID.NotFound when adding an entry to a NACL that does not exist',
    act: async (backend) => addEntry(backend, 'acl-0000000000000dead'),
    expectAws: (outcome) => expect(outcome).toEqual(rejected('InvalidNetworkAclID.NotFound')),
  },
  {
    aws: 'answers InvalidNetworkAclID.NotFound when describing a NACL that does not exist',
    act: async (backend) =>
      attempt(backend.ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: ['acl-0000000000000dead'] }))),
    expectAws: (outcome) => expect(outcome).toEqual(rejected('InvalidNetworkAclID.NotFound')),
    moto: {
      differs:
        'moto differs from AWS: describing a NACL that does not exist answers InvalidRouteTableID.NotFound (AWS answers InvalidNetworkAclID.NotFound)',
      expect: (outcome) => expect(outcome).toEqual(rejected('InvalidRouteTableID.NotFound')),
    },
  },
];

function runScenarios(emulator: 'sandbox' | 'moto', open: () => Promise<NaclBackend>): void {
  describe(`NACL contract on ${emulator === 'sandbox' ? 'the sandbox cloud' : 'moto'}`, () => {
    let backend: NaclBackend;

    beforeAll(async () => {
      backend = await open();
    });

    afterAll(() => {
      backend?.close();
    });

    for (const scenario of scenarios) {
      const differs = emulator === 'moto' ? scenario.moto : undefined;
      it(differs?.differs ?? scenario.aws, async () => {
        const outcome = await scenario.act(backend);

        (differs?.expect ?? scenario.expectAws)(outcome);
      });
    }
  });
}

runScenarios('sandbox', async () => {
  // The member role with what Warden's NACL tasks are granted there: listing NACLs, and writing
  // and removing entries of the member's NACLs.
  const world = await makeWorld({
    memberPolicy: [
      { Effect: 'Allow', Action: 'ec2:DescribeNetworkAcls', Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['ec2:CreateNetworkAclEntry', 'ec2:DeleteNetworkAclEntry'],
        Resource: `arn:aws:ec2:*:${MEMBER_A}:network-acl/*`,
      },
    ],
  });
  const ec2: Ec2Sandbox = world.services.ec2;
  const clients: ClientFactory = world.clientFactory();
  return {
    ec2: clients.client(EC2Client, { account: MEMBER_A, region: HOME_REGION, roleName: MEMBER_ROLE }),
    createVpc: async (cidr) => ec2.createVpc(MEMBER_A, HOME_REGION, cidr),
    createSubnet: async (vpcId, cidr) => ec2.createSubnet(MEMBER_A, HOME_REGION, vpcId, cidr),
    createNacl: async (vpcId) => ec2.createNacl(MEMBER_A, HOME_REGION, vpcId),
    associate: async (subnetId, naclId) => ec2.associate(subnetId, naclId),
    close: () => clients.destroy(),
  };
});

runScenarios('moto', async () => {
  const { member, clients } = await createWardenOrganization('contract');
  const ec2 = clients.client(EC2Client, { account: member.id, region: HOME_REGION, roleName: MEMBER_ROLE });
  return {
    ec2,
    createVpc: async (cidr) => (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!,
    createSubnet: async (vpcId, cidr) =>
      (
        await ec2.send(
          new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: `${HOME_REGION}a` }),
        )
      ).Subnet!.SubnetId!,
    createNacl: async (vpcId) =>
      (await ec2.send(new CreateNetworkAclCommand({ VpcId: vpcId }))).NetworkAcl!.NetworkAclId!,
    associate: async (subnetId, naclId) => {
      const current = await ec2.send(
        new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }),
      );
      const association = current.NetworkAcls?.[0]?.Associations?.find((a) => a.SubnetId === subnetId);
      await ec2.send(
        new ReplaceNetworkAclAssociationCommand({
          AssociationId: association!.NetworkAclAssociationId,
          NetworkAclId: naclId,
        }),
      );
    },
    close: () => clients.destroy(),
  };
});
