import {
  AddressSyntaxError,
  addressBytes,
  canonicalAddress as canonicalText,
  effectiveAddress as effectiveText,
  familyOf,
  type IpFamily,
  maskByte,
  type ParsedCidr,
  parseCidr as parseCidrText,
  unwrapMappedCidr,
} from '../../config/cidr';
import { InvalidInputError } from '../shared/errors';

/**
 * Address parsing and the "never block" guard of the finding response.
 *
 * Range membership compares network bytes with a mask (`CidrList`). It replaced `net.BlockList`,
 * whose every check builds a native SocketAddress: `warden replay` checks millions of addresses,
 * and that was the largest cost of triage. Addresses and CIDR blocks are read with the config
 * layer's parser (config/cidr.ts), the one the config schema checks its CIDR fields with.
 */

/** Why an address lies in a range that no NACL entry of Warden may deny. */
export type SpecialRangeReason =
  | 'PRIVATE'
  | 'LOOPBACK'
  | 'LINK_LOCAL'
  | 'CGNAT'
  | 'MULTICAST'
  | 'BROADCAST'
  | 'UNSPECIFIED'
  | 'RESERVED';

export type NeverBlockReason = SpecialRangeReason | 'INSTANCE_OWN_ADDRESS' | 'OWN_VPC_CIDR' | 'ALLOW_LISTED';

export interface NeverBlockOptions {
  /** The organisation's VPC CIDRs (`response.ownCidrs`). */
  ownCidrs?: readonly string[];
  /** Configured allow-list CIDRs (`response.allowList`). */
  allowList?: readonly string[];
  /** Every address of the affected instance, from the finding's network interfaces. */
  instanceAddresses?: readonly string[];
}

/** The address in canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6. */
export function canonicalAddress(text: string): string {
  return asInvalidInput(() => canonicalText(text));
}

/**
 * The address a NACL would see: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is unwrapped;
 * every other address is returned canonical.
 */
export function effectiveAddress(text: string): string {
  return asInvalidInput(() => effectiveText(text));
}

/** The CIDR Warden denies for one attacker address: `a.b.c.d/32` or canonical `x::y/128`. */
export function blockCidrFor(address: string): string {
  const effective = effectiveAddress(address);
  return `${effective}/${familyOf(effective) === 4 ? 32 : 128}`;
}

/** Parses `address/prefix` with the config's parser (config/cidr.ts): host bits zero, no octal-looking octets. */
export function parseCidr(text: string): ParsedCidr {
  return asInvalidInput(() => parseCidrText(text));
}

/**
 * True when `cidr` (as a NACL entry carries it) covers `address`. Families never mix: a NACL
 * matches IPv4 entries against IPv4 traffic only (IPv4-mapped addresses are unwrapped first).
 */
export function cidrCovers(cidr: string, address: string): boolean {
  const list = new CidrList();
  list.add(parseCidr(cidr));
  return list.has(addressBytes(effectiveAddress(address)));
}

/** The special range an address lies in, or null for a globally routable unicast address. */
export function specialRangeReason(address: string): SpecialRangeReason | null {
  return rangeReasonOf(addressBytes(effectiveAddress(address)));
}

/**
 * Builds the never-block check once for a finding: the config's CIDR lists are parsed and loaded
 * into block lists up front, so checking each of a port probe's many addresses stays cheap.
 * Throws `InvalidInputError` naming the entry when a configured CIDR is malformed.
 */
export function createNeverBlockGuard(
  options: NeverBlockOptions = {},
): (address: string) => NeverBlockReason | null {
  const own = configuredList(options.ownCidrs ?? [], 'ownCidrs');
  const allowed = configuredList(options.allowList ?? [], 'allowList');
  const instance = new Set(
    (options.instanceAddresses ?? []).map((a, i) =>
      withField(`instanceAddresses[${i}]`, () => effectiveAddress(a)),
    ),
  );
  return (address) => {
    const effective = effectiveAddress(address);
    const bytes = addressBytes(effective);
    // Range reasons come first: they hold whatever the config says and name the deeper cause.
    return (
      rangeReasonOf(bytes) ??
      (instance.has(effective) ? 'INSTANCE_OWN_ADDRESS' : null) ??
      (own.has(bytes) ? 'OWN_VPC_CIDR' : null) ??
      (allowed.has(bytes) ? 'ALLOW_LISTED' : null)
    );
  };
}

/** Why `address` must never be denied, or null when Warden may block it. */
export function neverBlockReason(address: string, options: NeverBlockOptions = {}): NeverBlockReason | null {
  return createNeverBlockGuard(options)(address);
}

// Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are
// deliberately absent: nothing on the Internet routes them, so denying one cannot cut real
// traffic, and they are the attacker addresses of GuardDuty's sample findings, of our tests and
// of the sandbox, where hiding the would-be block would hide what Warden does.
const IPV4_RANGES: ReadonlyArray<readonly [SpecialRangeReason, readonly string[]]> = [
  ['UNSPECIFIED', ['0.0.0.0/8']],
  ['PRIVATE', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  ['CGNAT', ['100.64.0.0/10']],
  ['LOOPBACK', ['127.0.0.0/8']],
  ['LINK_LOCAL', ['169.254.0.0/16']],
  // Before RESERVED, which contains it.
  ['BROADCAST', ['255.255.255.255/32']],
  ['MULTICAST', ['224.0.0.0/4']],
  // IETF protocol assignments, the deprecated 6to4 relay anycast, benchmarking, and class E.
  ['RESERVED', ['192.0.0.0/24', '192.88.99.0/24', '198.18.0.0/15', '240.0.0.0/4']],
];

const IPV6_RANGES: ReadonlyArray<readonly [SpecialRangeReason, readonly string[]]> = [
  ['UNSPECIFIED', ['::/128']],
  ['LOOPBACK', ['::1/128']],
  // Unique-local, the deprecated site-local, and the local-use NAT64 prefix (RFC 8215).
  ['PRIVATE', ['fc00::/7', 'fec0::/10', '64:ff9b:1::/48']],
  ['LINK_LOCAL', ['fe80::/10']],
  ['MULTICAST', ['ff00::/8']],
  // Discard-only, benchmarking, ORCHID v1 and v2.
  ['RESERVED', ['100::/64', '2001:2::/48', '2001:10::/28', '2001:20::/28']],
];

/** CIDR blocks of either family; an address (as bytes) matches when its network bytes agree. */
class CidrList {
  private readonly blocks: Array<{ network: number[]; prefixLength: number; family: IpFamily }> = [];

  add(cidr: ParsedCidr): void {
    const network = addressBytes(cidr.network);
    this.blocks.push({ network, prefixLength: cidr.prefixLength, family: cidr.family });
  }

  has(bytes: readonly number[]): boolean {
    const family = bytes.length === 4 ? 4 : 6;
    return this.blocks.some(
      (block) =>
        block.family === family &&
        block.network.every((b, i) => (bytes[i]! & maskByte(block.prefixLength - 8 * i)) === b),
    );
  }
}

const V4_LISTS = IPV4_RANGES.map(([reason, cidrs]) => [reason, cidrListOf(cidrs, reason)] as const);

/**
 * The IPv6 lists are read when the first IPv6 address is checked, not when the module loads:
 * reading an IPv6 block goes through `net.isIP`, whose first IPv6 answer compiles Node's IPv6
 * pattern (about 5 ms), and a function whose findings carry only IPv4 addresses, as most do,
 * never needs it.
 */
let v6Lists:
  | {
      reasons: ReadonlyArray<readonly [SpecialRangeReason, CidrList]>;
      globalUnicast: CidrList;
      nat64: CidrList;
      sixToFour: CidrList;
      teredo: CidrList;
    }
  | undefined;

function ipv6Lists(): NonNullable<typeof v6Lists> {
  v6Lists ??= {
    reasons: IPV6_RANGES.map(([reason, cidrs]) => [reason, cidrListOf(cidrs, reason)] as const),
    globalUnicast: cidrListOf(['2000::/3'], 'global unicast'),
    nat64: cidrListOf(['64:ff9b::/96'], 'NAT64'),
    sixToFour: cidrListOf(['2002::/16'], '6to4'),
    teredo: cidrListOf(['2001::/32'], 'Teredo'),
  };
  return v6Lists;
}

/** The special range of an effective address given as its 4 or 16 bytes. */
function rangeReasonOf(bytes: readonly number[]): SpecialRangeReason | null {
  return bytes.length === 4 ? ipv4RangeReason(bytes) : ipv6RangeReason(bytes);
}

function ipv4RangeReason(bytes: readonly number[]): SpecialRangeReason | null {
  for (const [reason, list] of V4_LISTS) if (list.has(bytes)) return reason;
  return null;
}

function ipv6RangeReason(bytes: readonly number[]): SpecialRangeReason | null {
  const { reasons, nat64, sixToFour, teredo, globalUnicast } = ipv6Lists();
  for (const [reason, list] of reasons) if (list.has(bytes)) return reason;
  // Transition addresses carry an IPv4 address; one that embeds a private or special IPv4
  // address reaches that network once translated, so it is refused for the IPv4 reason.
  if (nat64.has(bytes)) return ipv4RangeReason(bytes.slice(12));
  if (sixToFour.has(bytes)) {
    const embedded = ipv4RangeReason(bytes.slice(2, 6));
    if (embedded) return embedded;
  }
  if (teredo.has(bytes)) {
    // The Teredo client's public address is stored with every bit inverted (RFC 4380).
    const embedded = ipv4RangeReason(bytes.slice(12).map((b) => b ^ 0xff));
    if (embedded) return embedded;
  }
  // Only 2000::/3 is allocated as global unicast; anything else cannot be an Internet attacker.
  return globalUnicast.has(bytes) ? null : 'RESERVED';
}

function cidrListOf(cidrs: readonly string[], field: string): CidrList {
  const list = new CidrList();
  cidrs.forEach((cidr, i) => {
    list.add(withField(`${field}[${i}]`, () => unwrapMappedCidr(parseCidr(cidr))));
  });
  return list;
}

// Config lists are the same arrays for every finding, so each is parsed once; the joined text
// is compared as well, so that an array changed in place is parsed again rather than misread.
const CONFIGURED = new WeakMap<readonly string[], { text: string; list: CidrList }>();

function configuredList(cidrs: readonly string[], field: string): CidrList {
  const text = cidrs.join(',');
  const known = CONFIGURED.get(cidrs);
  if (known?.text === text) return known.list;
  const list = cidrListOf(cidrs, field);
  CONFIGURED.set(cidrs, { text, list });
  return list;
}

function withField<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new InvalidInputError(`${field}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The config layer's parser reports bad syntax as its own error; tasks report it as invalid input. */
function asInvalidInput<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof AddressSyntaxError) throw new InvalidInputError(error.message, { cause: error });
    throw error;
  }
}
