import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  EC2Client,
  type NetworkAcl,
  type NetworkAclEntry,
} from '@aws-sdk/client-ec2';
import { call } from '../shared/aws-call';
import { MemberRoleUnavailableError, ResourceGoneError, UnsafeBlockError } from '../shared/errors';
import { cacheSlot } from '../shared/runtime-caches';
import type { TaskDeps } from '../shared/task';
import { parseCidr } from './addresses';
import type { NaclRef } from './ledger';

/**
 * Network ACLs in member accounts, read and changed through Warden's member role.
 *
 * Reads are cached per runtime (a Lambda container, a local runtime) for a short time, in the
 * deps' RuntimeCaches: the warm path to containment then
 * costs one EC2 call. A cached view can only be stale in the safe direction — a number we think
 * is free may be taken, which the NACL itself reports, and we then read afresh.
 */
export interface ResolvedNacl extends NaclRef {
  vpcId: string;
  /** Subnets associated with this NACL among those the finding names. */
  subnetIds: string[];
  /** How many subnets in all use this NACL (a shared NACL blocks more than the instance). */
  associatedSubnetCount: number;
}

const CACHE_MS = 60_000;

interface CachedNacl {
  at: number;
  nacl: NetworkAcl;
}

const NACL_CACHE = cacheSlot('network ACLs', () => ({
  bySubnet: new Map<string, CachedNacl>(),
  byId: new Map<string, CachedNacl>(),
}));

export class NetworkAcls {
  private readonly naclBySubnet: Map<string, CachedNacl>;
  private readonly naclById: Map<string, CachedNacl>;

  constructor(private readonly deps: Pick<TaskDeps, 'clients' | 'config' | 'now' | 'caches'>) {
    const cache = deps.caches.get(NACL_CACHE);
    this.naclBySubnet = cache.bySubnet;
    this.naclById = cache.byId;
  }

  /** The NACL of each subnet, deduplicated; a subnet that no longer exists is reported, not fatal. */
  async resolve(
    account: string,
    region: string,
    subnetIds: string[],
  ): Promise<{ nacls: ResolvedNacl[]; missingSubnets: string[] }> {
    const now = this.deps.now().getTime();
    const missing = subnetIds.filter(
      (id) => !fresh(this.naclBySubnet.get(cacheKey(account, region, id)), now),
    );
    if (missing.length) {
      const out = await this.call(account, region, 'reading the subnets’ network ACLs', (ec2) =>
        ec2.send(
          new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: missing }] }),
        ),
      );
      for (const nacl of out.NetworkAcls ?? []) this.remember(account, region, nacl, now);
    }
    const byNacl = new Map<string, ResolvedNacl>();
    const missingSubnets: string[] = [];
    for (const subnetId of subnetIds) {
      const nacl = this.naclBySubnet.get(cacheKey(account, region, subnetId))?.nacl;
      if (!nacl?.NetworkAclId) {
        missingSubnets.push(subnetId);
        continue;
      }
      const resolved = byNacl.get(nacl.NetworkAclId) ?? {
        account,
        region,
        naclId: nacl.NetworkAclId,
        vpcId: nacl.VpcId ?? '',
        subnetIds: [],
        associatedSubnetCount: nacl.Associations?.length ?? 0,
      };
      resolved.subnetIds.push(subnetId);
      byNacl.set(nacl.NetworkAclId, resolved);
    }
    return { nacls: [...byNacl.values()], missingSubnets };
  }

  /** The NACL's entries, from the cache unless `fresh` is asked for. */
  async entries(ref: NaclRef, options: { fresh?: boolean } = {}): Promise<NetworkAclEntry[]> {
    const now = this.deps.now().getTime();
    const key = cacheKey(ref.account, ref.region, ref.naclId);
    const cached = this.naclById.get(key);
    // Copies, so a caller's `before` view does not change when the cache learns of our own writes.
    if (!options.fresh && fresh(cached, now)) return [...(cached!.nacl.Entries ?? [])];
    const out = await this.call(ref.account, ref.region, 'reading the network ACL', (ec2) =>
      ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [ref.naclId] })),
    ).catch((error: Error) => {
      if (error.name === 'InvalidNetworkAclID.NotFound') {
        throw new ResourceGoneError(
          `network ACL ${ref.naclId} no longer exists in ${ref.account} ${ref.region}`,
        );
      }
      throw error;
    });
    const nacl = out.NetworkAcls?.[0];
    if (!nacl)
      throw new ResourceGoneError(
        `network ACL ${ref.naclId} no longer exists in ${ref.account} ${ref.region}`,
      );
    this.remember(ref.account, ref.region, nacl, now);
    return [...(nacl.Entries ?? [])];
  }

  /**
   * Adds an inbound deny-all entry for `cidr`, a host route only (`/32`, `/128`). Safe to repeat:
   * when the NACL says the number is taken (or full), it is read afresh, and an entry that is
   * exactly this deny for this address is ours — a reply lost after the entry was created, by
   * the SDK's own retry or the task's — and is ADOPTED. Other errors are thrown (transient
   * ones as TransientAwsError).
   */
  async addDeny(
    ref: NaclRef,
    ruleNumber: number,
    cidr: string,
  ): Promise<'CREATED' | 'ADOPTED' | 'NUMBER_TAKEN' | 'LIMIT_EXCEEDED'> {
    assertHostRoute(cidr);
    // The entry as the call writes it and as the cached NACL then lists it.
    const deny = {
      RuleNumber: ruleNumber,
      Protocol: '-1',
      RuleAction: 'deny' as const,
      Egress: false,
      ...(cidr.includes(':') ? { Ipv6CidrBlock: cidr } : { CidrBlock: cidr }),
    } satisfies NetworkAclEntry;
    try {
      await this.call(ref.account, ref.region, 'adding the deny entry', (ec2) =>
        ec2.send(new CreateNetworkAclEntryCommand({ NetworkAclId: ref.naclId, ...deny })),
      );
    } catch (error) {
      const name = (error as Error).name;
      if (name !== 'NetworkAclEntryAlreadyExists' && name !== 'NetworkAclEntryLimitExceeded') {
        // The entry may exist now even though the call failed: forget what we knew.
        this.naclById.delete(cacheKey(ref.account, ref.region, ref.naclId));
        throw error;
      }
      const entries = await this.entries(ref, { fresh: true });
      const existing = entries.find((e) => !e.Egress && e.RuleNumber === ruleNumber);
      if (isWardensEntry(existing, cidr)) return 'ADOPTED';
      return name === 'NetworkAclEntryAlreadyExists' ? 'NUMBER_TAKEN' : 'LIMIT_EXCEEDED';
    }
    const cached = this.naclById.get(cacheKey(ref.account, ref.region, ref.naclId));
    cached?.nacl.Entries?.push(deny);
    return 'CREATED';
  }

  /** Deletes the inbound entry `ruleNumber`; false when it was already gone (a repeat is done). */
  async deleteEntry(ref: NaclRef, ruleNumber: number): Promise<boolean> {
    try {
      await this.call(ref.account, ref.region, 'removing the deny entry', (ec2) =>
        ec2.send(
          new DeleteNetworkAclEntryCommand({
            NetworkAclId: ref.naclId,
            RuleNumber: ruleNumber,
            Egress: false,
          }),
        ),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'InvalidNetworkAclEntry.NotFound') return false;
      throw error;
    } finally {
      this.naclById.delete(cacheKey(ref.account, ref.region, ref.naclId));
    }
  }

  private remember(account: string, region: string, nacl: NetworkAcl, now: number): void {
    if (!nacl.NetworkAclId) return;
    this.naclById.set(cacheKey(account, region, nacl.NetworkAclId), { at: now, nacl });
    for (const association of nacl.Associations ?? []) {
      if (association.SubnetId)
        this.naclBySubnet.set(cacheKey(account, region, association.SubnetId), { at: now, nacl });
    }
  }

  private async call<T>(
    account: string,
    region: string,
    doing: string,
    fn: (ec2: EC2Client) => Promise<T>,
  ): Promise<T> {
    const ec2 = this.deps.clients.client(EC2Client, {
      account,
      region,
      roleName: this.deps.config.organization.memberRoleName,
    });
    const roleUnavailable = (error: Error): never => {
      this.deps.clients.forget({ account, region, roleName: this.deps.config.organization.memberRoleName });
      throw new MemberRoleUnavailableError(
        `cannot assume ${this.deps.config.organization.memberRoleName} in ${account}: ${error.message}`,
      );
    };
    return call(`${doing} (${account} ${region})`, () => fn(ec2), {
      AccessDenied: roleUnavailable,
      AccessDeniedException: roleUnavailable,
    });
  }
}

function cacheKey(account: string, region: string, id: string): string {
  return `${account}|${region}|${id}`;
}

function fresh(entry: { at: number } | undefined, now: number): boolean {
  return entry !== undefined && now - entry.at < CACHE_MS;
}

/**
 * The last check before a NACL changes: Warden only ever denies one host (`/32` or `/128`), so a
 * wider block (`0.0.0.0/0`, `::/0`, a subnet) is refused whatever asked for it.
 */
export function assertHostRoute(cidr: string): void {
  let parsed: ReturnType<typeof parseCidr>;
  try {
    parsed = parseCidr(cidr);
  } catch (error) {
    throw new UnsafeBlockError(
      `refusing to deny ${JSON.stringify(String(cidr).slice(0, 64))}: ${(error as Error).message}`,
    );
  }
  const host = parsed.family === 4 ? 32 : 128;
  if (parsed.prefixLength !== host || parsed.text !== cidr) {
    throw new UnsafeBlockError(
      `refusing to deny ${JSON.stringify(cidr)}: Warden denies single hosts only (/32 or /128 in canonical form)`,
    );
  }
}

/** The deny entry Warden would have created for `cidr` at `ruleNumber`, if the NACL has it. */
export function isWardensEntry(entry: NetworkAclEntry | undefined, cidr: string): boolean {
  if (!entry || entry.Egress || entry.RuleAction !== 'deny' || entry.Protocol !== '-1') return false;
  return (entry.CidrBlock ?? entry.Ipv6CidrBlock) === cidr;
}
