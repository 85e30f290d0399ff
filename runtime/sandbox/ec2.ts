import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { DEFAULT_REGIONS, OPT_IN_REGIONS } from './account';
import { AwsError } from './aws-error';
import type { CallContext, SandboxService } from './cloud';

/**
 * The EC2 part of the sandbox cloud: VPCs, subnets, instances with network interfaces, and
 * network ACLs with AWS's semantics — default entries, one association per subnet, rule numbers
 * 1–32766 unique per direction, a per-direction rule quota that counts the default deny entry,
 * validation of CIDRs, protocols and actions, and AWS's error codes.
 */
export interface NaclEntry {
  RuleNumber: number;
  Protocol: string;
  RuleAction: 'allow' | 'deny';
  Egress: boolean;
  CidrBlock?: string;
  Ipv6CidrBlock?: string;
  PortRange?: { From: number; To: number };
  IcmpTypeCode?: { Type: number; Code: number };
}

interface Nacl {
  NetworkAclId: string;
  VpcId: string;
  OwnerId: string;
  IsDefault: boolean;
  Entries: NaclEntry[];
  Tags: { Key: string; Value: string }[];
}

interface Vpc {
  VpcId: string;
  OwnerId: string;
  CidrBlock: string;
  Ipv6CidrBlock?: string;
}

interface Subnet {
  SubnetId: string;
  VpcId: string;
  OwnerId: string;
  CidrBlock: string;
  AvailabilityZone: string;
  /** Association id → NACL id; exactly one per subnet. */
  association: { id: string; naclId: string };
}

export interface NetworkInterfaceSpec {
  subnetId: string;
  privateIpAddress: string;
  publicIp?: string;
  ipv6Addresses?: string[];
}

interface Instance {
  InstanceId: string;
  OwnerId: string;
  interfaces: (NetworkInterfaceSpec & { NetworkInterfaceId: string; VpcId: string })[];
}

/** Maximum inbound (and, separately, outbound) rules per NACL per address family. */
export const DEFAULT_NACL_RULE_QUOTA = 20;
const DEFAULT_RULE_IPV4 = 32767;
const DEFAULT_RULE_IPV6 = 32768;

/** EC2's error code for an id that names no resource the caller can see, by kind of id. */
const NOT_FOUND_CODES = {
  networkAcl: 'InvalidNetworkAclID.NotFound',
  instance: 'InvalidInstanceID.NotFound',
  subnet: 'InvalidSubnetID.NotFound',
} as const;

export class Ec2Sandbox implements SandboxService {
  readonly name = 'ec2';
  readonly mutating = new Set([
    'CreateNetworkAclEntry',
    'DeleteNetworkAclEntry',
    'ReplaceNetworkAclEntry',
    'CreateNetworkAcl',
    'ReplaceNetworkAclAssociation',
  ]);
  readonly operations;
  /** Inbound/outbound rules allowed per NACL; AWS's default is 20 (adjustable up to 40). */
  ruleQuota = DEFAULT_NACL_RULE_QUOTA;

  private readonly vpcs = new Map<string, Vpc & { region: string }>();
  private readonly subnets = new Map<string, Subnet & { region: string }>();
  private readonly nacls = new Map<string, Nacl & { region: string }>();
  /**
   * Each NACL's associated subnets, kept beside `subnets` so a describe reads a NACL's
   * associations directly: a long benchmark builds thousands of NACLs in one sandbox.
   */
  private readonly subnetsOfNacl = new Map<string, Set<string>>();
  private readonly instances = new Map<string, Instance & { region: string }>();
  private sequence = 0;

  /**
   * @param regionEnabled whether an account may use a region (opt-in regions); the world wires
   *   it to the Account Management sandbox so both services agree.
   */
  constructor(private readonly regionEnabled: (account: string, region: string) => boolean = () => true) {
    this.operations = {
      DescribeNetworkAcls: (input: any, ctx: CallContext) => this.describeNetworkAcls(input, ctx),
      CreateNetworkAclEntry: (input: any, ctx: CallContext) => this.createEntry(input, ctx),
      DeleteNetworkAclEntry: (input: any, ctx: CallContext) => this.deleteEntry(input, ctx),
      DescribeInstances: (input: any, ctx: CallContext) => this.describeInstances(input, ctx),
      DescribeSubnets: (input: any, ctx: CallContext) => this.describeSubnets(input, ctx),
      DescribeVpcs: (input: any, ctx: CallContext) => this.describeVpcs(input, ctx),
      DescribeRegions: (input: any, ctx: CallContext) => this.describeRegions(input, ctx),
    };
  }

  // ---- world setup (not AWS operations) ---------------------------------------------------

  createVpc(account: string, region: string, cidrBlock: string, ipv6CidrBlock?: string): string {
    const VpcId = this.id('vpc');
    this.vpcs.set(VpcId, {
      VpcId,
      OwnerId: account,
      CidrBlock: cidrBlock,
      Ipv6CidrBlock: ipv6CidrBlock,
      region,
    });
    this.createNacl(account, region, VpcId, true);
    return VpcId;
  }

  /** A custom NACL starts with only the default deny entries, as in AWS. */
  createNacl(account: string, region: string, vpcId: string, isDefault = false): string {
    const vpc = this.vpcs.get(vpcId);
    if (!vpc) throw new Error(`no VPC ${vpcId}`);
    const NetworkAclId = this.id('acl');
    const entries: NaclEntry[] = [];
    for (const Egress of [false, true]) {
      if (isDefault)
        entries.push({
          RuleNumber: 100,
          Protocol: '-1',
          RuleAction: 'allow',
          Egress,
          CidrBlock: '0.0.0.0/0',
        });
      entries.push({
        RuleNumber: DEFAULT_RULE_IPV4,
        Protocol: '-1',
        RuleAction: 'deny',
        Egress,
        CidrBlock: '0.0.0.0/0',
      });
      if (vpc.Ipv6CidrBlock) {
        if (isDefault)
          entries.push({
            RuleNumber: 101,
            Protocol: '-1',
            RuleAction: 'allow',
            Egress,
            Ipv6CidrBlock: '::/0',
          });
        entries.push({
          RuleNumber: DEFAULT_RULE_IPV6,
          Protocol: '-1',
          RuleAction: 'deny',
          Egress,
          Ipv6CidrBlock: '::/0',
        });
      }
    }
    this.nacls.set(NetworkAclId, {
      NetworkAclId,
      VpcId: vpcId,
      OwnerId: account,
      IsDefault: isDefault,
      Entries: entries,
      Tags: [],
      region,
    });
    return NetworkAclId;
  }

  createSubnet(account: string, region: string, vpcId: string, cidrBlock: string, az = `${region}a`): string {
    const defaultNacl = [...this.nacls.values()].find((n) => n.VpcId === vpcId && n.IsDefault);
    if (!defaultNacl) throw new Error(`no VPC ${vpcId}`);
    const SubnetId = this.id('subnet');
    this.subnets.set(SubnetId, {
      SubnetId,
      VpcId: vpcId,
      OwnerId: account,
      CidrBlock: cidrBlock,
      AvailabilityZone: az,
      association: { id: this.id('aclassoc'), naclId: defaultNacl.NetworkAclId },
      region,
    });
    this.indexAssociation(SubnetId, undefined, defaultNacl.NetworkAclId);
    return SubnetId;
  }

  associate(subnetId: string, naclId: string): void {
    const subnet = this.subnets.get(subnetId);
    const nacl = this.nacls.get(naclId);
    if (!subnet || !nacl || nacl.VpcId !== subnet.VpcId)
      throw new Error(`cannot associate ${subnetId} with ${naclId}`);
    this.indexAssociation(subnetId, subnet.association.naclId, naclId);
    subnet.association = { id: this.id('aclassoc'), naclId };
  }

  private indexAssociation(subnetId: string, from: string | undefined, to: string): void {
    if (from) this.subnetsOfNacl.get(from)?.delete(subnetId);
    const set = this.subnetsOfNacl.get(to) ?? new Set<string>();
    set.add(subnetId);
    this.subnetsOfNacl.set(to, set);
  }

  runInstance(account: string, region: string, interfaces: NetworkInterfaceSpec[]): string {
    const InstanceId = this.id('i');
    const resolved = interfaces.map((spec) => {
      const subnet = this.subnets.get(spec.subnetId);
      if (!subnet) throw new Error(`no subnet ${spec.subnetId}`);
      return { ...spec, NetworkInterfaceId: this.id('eni'), VpcId: subnet.VpcId };
    });
    this.instances.set(InstanceId, { InstanceId, OwnerId: account, interfaces: resolved, region });
    return InstanceId;
  }

  /** Direct read for tests and the console; not an AWS operation. */
  entries(naclId: string): NaclEntry[] {
    const nacl = this.nacls.get(naclId);
    if (!nacl) throw new Error(`no NACL ${naclId}`);
    return structuredClone(nacl.Entries);
  }

  /** Removes an entry behind Warden's back, as a person in the console would. */
  removeEntryByHand(naclId: string, ruleNumber: number, egress = false): void {
    const nacl = this.nacls.get(naclId);
    if (!nacl) throw new Error(`no NACL ${naclId}`);
    nacl.Entries = nacl.Entries.filter((e) => !(e.RuleNumber === ruleNumber && e.Egress === egress));
  }

  /** Adds an entry as someone else would (used to prove Warden never touches it). */
  addEntryByHand(naclId: string, entry: NaclEntry): void {
    this.nacls.get(naclId)?.Entries.push(entry);
  }

  naclOfSubnet(subnetId: string): string {
    const subnet = this.subnets.get(subnetId);
    if (!subnet) throw new Error(`no subnet ${subnetId}`);
    return subnet.association.naclId;
  }

  // ---- AWS operations ---------------------------------------------------------------------

  private describeNetworkAcls(input: any, ctx: CallContext) {
    this.checkRegion(ctx);
    const ids: string[] | undefined = input.NetworkAclIds;
    for (const id of ids ?? []) this.visibleById(this.nacls, 'networkAcl', id, ctx);
    const filters = parseFilters(input.Filters, [
      'association.subnet-id',
      'vpc-id',
      'network-acl-id',
      'default',
    ]);
    // In subnet creation order (ids are a zero-padded sequence), as before the index existed.
    const associationsOf = (naclId: string) =>
      [...(this.subnetsOfNacl.get(naclId) ?? [])].sort().map((id) => this.subnets.get(id)!);
    // The NACLs named by id or by a subnet filter are looked up, not searched for; the answer is
    // the same as filtering every NACL, in creation order.
    const bySubnet = filters['association.subnet-id']?.map((id) => this.subnets.get(id)?.association.naclId);
    const named = ids ?? (bySubnet ? bySubnet.filter((id): id is string => id !== undefined) : undefined);
    const candidates = named
      ? [...new Set(named)]
          .map((id) => this.nacls.get(id))
          .filter((n): n is Nacl & { region: string } => n !== undefined)
          .sort((a, b) => a.NetworkAclId.localeCompare(b.NetworkAclId))
      : [...this.nacls.values()];
    const wanted = ids ? new Set(ids) : undefined;
    const matches = candidates
      .filter((n) => this.visible(n, ctx))
      .filter((n) => !wanted || wanted.has(n.NetworkAclId))
      .filter((n) => {
        const subnets = associationsOf(n.NetworkAclId);
        return (
          matchFilter(
            filters['association.subnet-id'],
            subnets.map((s) => s.SubnetId),
          ) &&
          matchFilter(filters['vpc-id'], [n.VpcId]) &&
          matchFilter(filters['network-acl-id'], [n.NetworkAclId]) &&
          matchFilter(filters.default, [String(n.IsDefault)])
        );
      });
    return {
      NetworkAcls: matches.map((n) => ({
        NetworkAclId: n.NetworkAclId,
        VpcId: n.VpcId,
        OwnerId: n.OwnerId,
        IsDefault: n.IsDefault,
        Entries: structuredClone(sortEntries(n.Entries)),
        Associations: associationsOf(n.NetworkAclId).map((s) => ({
          NetworkAclAssociationId: s.association.id,
          NetworkAclId: n.NetworkAclId,
          SubnetId: s.SubnetId,
        })),
        Tags: structuredClone(n.Tags),
      })),
    };
  }

  private createEntry(input: any, ctx: CallContext) {
    this.checkRegion(ctx);
    const nacl = this.naclFor(input.NetworkAclId, ctx);
    const entry = validateEntry(input);
    const family = entry.Ipv6CidrBlock ? 'v6' : 'v4';
    const sameDirection = nacl.Entries.filter((e) => e.Egress === entry.Egress);
    if (sameDirection.some((e) => e.RuleNumber === entry.RuleNumber)) {
      throw new AwsError(
        'NetworkAclEntryAlreadyExists',
        `The network acl entry identified by ${entry.RuleNumber} already exists.`,
      );
    }
    const inFamily = sameDirection.filter((e) => (e.Ipv6CidrBlock ? 'v6' : 'v4') === family);
    if (inFamily.length >= this.ruleQuota) {
      throw new AwsError(
        'NetworkAclEntryLimitExceeded',
        `The maximum number of network acl entries has been reached (${this.ruleQuota}).`,
      );
    }
    nacl.Entries.push(entry);
    return {};
  }

  private deleteEntry(input: any, ctx: CallContext) {
    this.checkRegion(ctx);
    const nacl = this.naclFor(input.NetworkAclId, ctx);
    const ruleNumber = requireRuleNumber(input.RuleNumber);
    const egress = requireBoolean(input.Egress, 'Egress');
    const index = nacl.Entries.findIndex((e) => e.RuleNumber === ruleNumber && e.Egress === egress);
    if (index < 0) {
      throw new AwsError(
        'InvalidNetworkAclEntry.NotFound',
        `The network acl entry identified by ${ruleNumber} ${egress ? 'egress' : 'ingress'} does not exist in ${nacl.NetworkAclId}`,
      );
    }
    nacl.Entries.splice(index, 1);
    return {};
  }

  private describeInstances(input: any, ctx: CallContext) {
    return {
      Reservations: this.described(this.instances, 'instance', input.InstanceIds, ctx).map((i) => ({
        OwnerId: i.OwnerId,
        Instances: [
          {
            InstanceId: i.InstanceId,
            NetworkInterfaces: i.interfaces.map((eni) => ({
              NetworkInterfaceId: eni.NetworkInterfaceId,
              SubnetId: eni.subnetId,
              VpcId: eni.VpcId,
              PrivateIpAddress: eni.privateIpAddress,
              Association: eni.publicIp ? { PublicIp: eni.publicIp } : undefined,
              Ipv6Addresses: (eni.ipv6Addresses ?? []).map((Ipv6Address) => ({ Ipv6Address })),
            })),
          },
        ],
      })),
    };
  }

  private describeSubnets(input: any, ctx: CallContext) {
    return {
      Subnets: this.described(this.subnets, 'subnet', input.SubnetIds, ctx).map((s) => ({
        SubnetId: s.SubnetId,
        VpcId: s.VpcId,
        OwnerId: s.OwnerId,
        CidrBlock: s.CidrBlock,
        AvailabilityZone: s.AvailabilityZone,
      })),
    };
  }

  private describeVpcs(input: any, ctx: CallContext) {
    return {
      Vpcs: this.described(this.vpcs, undefined, input.VpcIds, ctx).map((v) => ({
        VpcId: v.VpcId,
        OwnerId: v.OwnerId,
        CidrBlock: v.CidrBlock,
        Ipv6CidrBlockAssociationSet: v.Ipv6CidrBlock ? [{ Ipv6CidrBlock: v.Ipv6CidrBlock }] : [],
      })),
    };
  }

  /** With AllRegions, opt-in regions the account has not enabled are listed as `not-opted-in`. */
  private describeRegions(input: any, ctx: CallContext) {
    const account = ctx.principal.account;
    const regions = [...DEFAULT_REGIONS, ...OPT_IN_REGIONS].map((RegionName) => ({
      RegionName,
      Endpoint: `ec2.${RegionName}.amazonaws.com`,
      OptInStatus: !OPT_IN_REGIONS.includes(RegionName)
        ? 'opt-in-not-required'
        : this.regionEnabled(account, RegionName)
          ? 'opted-in'
          : 'not-opted-in',
    }));
    return { Regions: input.AllRegions ? regions : regions.filter((r) => r.OptInStatus !== 'not-opted-in') };
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** A call into a region the account has not opted into fails as AWS fails it. */
  private checkRegion(ctx: CallContext): void {
    if (!this.regionEnabled(ctx.principal.account, ctx.region)) {
      throw new AwsError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
    }
  }

  private visible(resource: { OwnerId: string; region: string }, ctx: CallContext): boolean {
    return resource.OwnerId === ctx.principal.account && resource.region === ctx.region;
  }

  /**
   * What a Describe call answers: the caller's resources in its region, only the ones `ids` names
   * if it names any. With a `kind`, an id that names none of them is EC2's not-found error.
   */
  private described<R extends { OwnerId: string; region: string }>(
    resources: ReadonlyMap<string, R>,
    kind: keyof typeof NOT_FOUND_CODES | undefined,
    ids: readonly string[] | undefined,
    ctx: CallContext,
  ): R[] {
    this.checkRegion(ctx);
    if (kind) for (const id of ids ?? []) this.visibleById(resources, kind, id, ctx);
    return [...resources]
      .filter(([id, resource]) => this.visible(resource, ctx) && (!ids || ids.includes(id)))
      .map(([, resource]) => resource);
  }

  private naclFor(id: unknown, ctx: CallContext) {
    if (typeof id !== 'string' || !id)
      throw new AwsError('MissingParameter', 'The request must contain the parameter networkAclId');
    return this.visibleById(this.nacls, 'networkAcl', id, ctx);
  }

  /**
   * The resource `id` names, when it is the caller's and in the caller's region; otherwise EC2's
   * not-found error for that kind of id, as a Describe call naming it or a call acting on it gets.
   */
  private visibleById<R extends { OwnerId: string; region: string }>(
    resources: ReadonlyMap<string, R>,
    kind: keyof typeof NOT_FOUND_CODES,
    id: string,
    ctx: CallContext,
  ): R {
    const resource = resources.get(id);
    if (!resource || !this.visible(resource, ctx)) {
      throw new AwsError(NOT_FOUND_CODES[kind], `The ${kind} ID '${id}' does not exist`);
    }
    return resource;
  }

  private id(prefix: string): string {
    this.sequence += 1;
    return `${prefix}-${this.sequence.toString(16).padStart(17, '0')}`;
  }
}

function validateEntry(input: any): NaclEntry {
  const RuleNumber = requireRuleNumber(input.RuleNumber);
  const Egress = requireBoolean(input.Egress, 'Egress');
  const action = String(input.RuleAction ?? '');
  if (action !== 'allow' && action !== 'deny') {
    throw new AwsError(
      'InvalidParameterValue',
      `Invalid value '${action}' for ruleAction. Valid values: allow, deny`,
    );
  }
  const Protocol = normaliseProtocol(input.Protocol);
  const hasV4 = input.CidrBlock !== undefined;
  const hasV6 = input.Ipv6CidrBlock !== undefined;
  if (hasV4 === hasV6) {
    throw new AwsError(
      'InvalidParameterCombination',
      'Exactly one of the parameters cidrBlock or ipv6CidrBlock must be specified',
    );
  }
  const entry: NaclEntry = { RuleNumber, Protocol, RuleAction: action, Egress };
  if (hasV4) entry.CidrBlock = canonicalCidr(input.CidrBlock, 4);
  else entry.Ipv6CidrBlock = canonicalCidr(input.Ipv6CidrBlock, 6);
  if (Protocol === '6' || Protocol === '17') {
    const from = input.PortRange?.From;
    const to = input.PortRange?.To;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > 65535 || from > to) {
      throw new AwsError(
        'InvalidParameterValue',
        'TCP and UDP entries need a port range From ≤ To within 0–65535',
      );
    }
    entry.PortRange = { From: from, To: to };
  }
  if (Protocol === '1' || Protocol === '58') {
    if (!input.IcmpTypeCode) {
      throw new AwsError('InvalidParameterValue', 'ICMP entries need IcmpTypeCode');
    }
    entry.IcmpTypeCode = { Type: input.IcmpTypeCode.Type, Code: input.IcmpTypeCode.Code };
  }
  return entry;
}

function requireRuleNumber(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 32766) {
    throw new AwsError(
      'InvalidParameterValue',
      `Invalid value '${String(value)}' for ruleNumber. Value must be between 1 and 32766.`,
    );
  }
  return value;
}

function requireBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean')
    throw new AwsError('MissingParameter', `The request must contain the parameter ${name}`);
  return value;
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  all: '-1',
  tcp: '6',
  udp: '17',
  icmp: '1',
  icmpv6: '58',
};

function normaliseProtocol(value: unknown): string {
  const text = String(value ?? '').toLowerCase();
  const mapped = PROTOCOL_NAMES[text] ?? text;
  const number = Number(mapped);
  if (mapped === '-1' || (Number.isInteger(number) && number >= 0 && number <= 255 && mapped !== ''))
    return mapped;
  throw new AwsError('InvalidParameterValue', `Invalid value '${String(value)}' for protocol.`);
}

/** AWS stores the canonical network address: 203.0.113.7/24 becomes 203.0.113.0/24. */
export function canonicalCidr(value: unknown, family: 4 | 6): string {
  const text = String(value ?? '');
  const invalid = () =>
    new AwsError(
      'InvalidParameterValue',
      `Value (${text}) for parameter ${family === 4 ? 'cidrBlock' : 'ipv6CidrBlock'} is invalid.`,
    );
  const [address, prefixText, ...rest] = text.split('/');
  if (rest.length || !address || isIP(address) !== family || !/^\d{1,3}$/.test(prefixText ?? ''))
    throw invalid();
  try {
    const Family = family === 4 ? ipaddr.IPv4 : ipaddr.IPv6;
    return `${Family.networkAddressFromCIDR(text).toString()}/${Number(prefixText)}`;
  } catch {
    throw invalid();
  }
}

function parseFilters(filters: unknown, allowed: string[]): Record<string, string[] | undefined> {
  const out: Record<string, string[] | undefined> = {};
  for (const filter of (filters as { Name?: string; Values?: string[] }[] | undefined) ?? []) {
    if (!filter.Name || !allowed.includes(filter.Name)) {
      throw new AwsError('InvalidParameterValue', `The filter '${filter.Name}' is invalid`);
    }
    out[filter.Name] = filter.Values ?? [];
  }
  return out;
}

function matchFilter(wanted: string[] | undefined, actual: string[]): boolean {
  return wanted === undefined || actual.some((value) => wanted.includes(value));
}

function sortEntries(entries: NaclEntry[]): NaclEntry[] {
  return [...entries].sort((a, b) => Number(a.Egress) - Number(b.Egress) || a.RuleNumber - b.RuleNumber);
}
