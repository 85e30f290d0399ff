import { BlockList, isIP } from 'node:net';
import { InvalidInputError } from '../shared/errors';

/**
 * Address parsing and the "never block" guard of the finding response.
 *
 * Range membership goes through `net.BlockList` so that the only bit arithmetic here is the
 * little needed to zero host bits and to read an IPv4 address embedded in an IPv6 one.
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

export type IpFamily = 4 | 6;

export interface ParsedCidr {
  /** The network address in canonical text (RFC 5952 for IPv6). */
  network: string;
  prefixLength: number;
  family: IpFamily;
  /** `network/prefixLength`: the form Warden stores and compares. */
  text: string;
}

export interface NeverBlockOptions {
  /** The organisation's VPC CIDRs (`response.ownCidrs`). */
  ownCidrs?: readonly string[];
  /** Configured allow-list CIDRs (`response.allowList`). */
  allowList?: readonly string[];
  /** Every address of the affected instance, from the finding's network interfaces. */
  instanceAddresses?: readonly string[];
}

// Longer than any address with an embedded IPv4 tail; keeps hostile input out of the parsers.
const MAX_ADDRESS_LENGTH = 45;

/** The address in canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6. */
export function canonicalAddress(text: string): string {
  const family = familyOf(text);
  if (family === 4) return text;
  // The WHATWG URL serialiser compresses the longest zero run and lower-cases, as RFC 5952 asks.
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/**
 * The address a NACL would see: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is only an API's
 * spelling of an IPv4 peer, so it is unwrapped; every other address is returned canonical.
 */
export function effectiveAddress(text: string): string {
  const canonical = canonicalAddress(text);
  if (familyOf(canonical) === 6) {
    const bytes = ipv6Bytes(canonical);
    if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
      return bytes.slice(12).join('.');
    }
  }
  return canonical;
}

/** The CIDR Warden denies for one attacker address: `a.b.c.d/32` or canonical `x::y/128`. */
export function blockCidrFor(address: string): string {
  const effective = effectiveAddress(address);
  return `${effective}/${familyOf(effective) === 4 ? 32 : 128}`;
}

/**
 * Parses `address/prefix` (a bare address means a single host). Host bits must be zero:
 * `10.1.2.3/8` in an allow-list is more likely a typo than a wish for all of 10/8, so it is
 * refused with the canonical spelling suggested rather than silently widened.
 */
export function parseCidr(text: string): ParsedCidr {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_ADDRESS_LENGTH + 4) {
    throw new InvalidInputError('must be a CIDR block such as 203.0.113.0/24 or 2001:db8::/32');
  }
  const parts = text.split('/');
  if (parts.length > 2) throw new InvalidInputError(`must be a CIDR block with one "/", got ${quote(text)}`);
  const [addressText, prefixText] = parts as [string, string | undefined];
  const family = familyOf(addressText);
  const maxPrefix = family === 4 ? 32 : 128;
  let prefixLength = maxPrefix;
  if (prefixText !== undefined) {
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > maxPrefix) {
      throw new InvalidInputError(
        `prefix length must be a whole number from 0 to ${maxPrefix} for an IPv${family} block, got ${quote(text)}`,
      );
    }
    prefixLength = Number(prefixText);
  }
  const bytes = family === 4 ? ipv4Bytes(addressText) : ipv6Bytes(canonicalAddress(addressText));
  const networkBytes = bytes.map((b, i) => b & maskByte(prefixLength - 8 * i));
  const network = fromBytes(networkBytes, family);
  if (networkBytes.some((b, i) => b !== bytes[i])) {
    throw new InvalidInputError(
      `host bits must be zero in ${quote(text)}; did you mean ${network}/${prefixLength}?`,
    );
  }
  return { network, prefixLength, family, text: `${network}/${prefixLength}` };
}

/** The special range an address lies in, or null for a globally routable unicast address. */
export function specialRangeReason(address: string): SpecialRangeReason | null {
  const effective = effectiveAddress(address);
  return familyOf(effective) === 4 ? ipv4RangeReason(effective) : ipv6RangeReason(effective);
}

/**
 * Builds the never-block check once for a finding: the config's CIDR lists are parsed and loaded
 * into block lists up front, so checking each of a port probe's many addresses stays cheap.
 * Throws `InvalidInputError` naming the entry when a configured CIDR is malformed.
 */
export function createNeverBlockGuard(
  options: NeverBlockOptions = {},
): (address: string) => NeverBlockReason | null {
  const own = blockListOf(options.ownCidrs ?? [], 'ownCidrs');
  const allowed = blockListOf(options.allowList ?? [], 'allowList');
  const instance = new Set(
    (options.instanceAddresses ?? []).map((a, i) =>
      withField(`instanceAddresses[${i}]`, () => effectiveAddress(a)),
    ),
  );
  return (address) => {
    const effective = effectiveAddress(address);
    const type = familyOf(effective) === 4 ? 'ipv4' : 'ipv6';
    // Range reasons come first: they hold whatever the config says and name the deeper cause.
    return (
      specialRangeReason(effective) ??
      (instance.has(effective) ? 'INSTANCE_OWN_ADDRESS' : null) ??
      (own.check(effective, type) ? 'OWN_VPC_CIDR' : null) ??
      (allowed.check(effective, type) ? 'ALLOW_LISTED' : null)
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

const V4_LISTS = IPV4_RANGES.map(([reason, cidrs]) => [reason, blockListOf(cidrs, reason)] as const);
const V6_LISTS = IPV6_RANGES.map(([reason, cidrs]) => [reason, blockListOf(cidrs, reason)] as const);
const GLOBAL_UNICAST = blockListOf(['2000::/3'], 'global unicast');
const NAT64 = blockListOf(['64:ff9b::/96'], 'NAT64');
const SIX_TO_FOUR = blockListOf(['2002::/16'], '6to4');
const TEREDO = blockListOf(['2001::/32'], 'Teredo');

function ipv4RangeReason(address: string): SpecialRangeReason | null {
  for (const [reason, list] of V4_LISTS) if (list.check(address, 'ipv4')) return reason;
  return null;
}

function ipv6RangeReason(address: string): SpecialRangeReason | null {
  for (const [reason, list] of V6_LISTS) if (list.check(address, 'ipv6')) return reason;
  const bytes = ipv6Bytes(address);
  // Transition addresses carry an IPv4 address; one that embeds a private or special IPv4
  // address reaches that network once translated, so it is refused for the IPv4 reason.
  if (NAT64.check(address, 'ipv6')) return ipv4RangeReason(bytes.slice(12).join('.'));
  if (SIX_TO_FOUR.check(address, 'ipv6')) {
    const embedded = ipv4RangeReason(bytes.slice(2, 6).join('.'));
    if (embedded) return embedded;
  }
  if (TEREDO.check(address, 'ipv6')) {
    // The Teredo client's public address is stored with every bit inverted (RFC 4380).
    const embedded = ipv4RangeReason(
      bytes
        .slice(12)
        .map((b) => b ^ 0xff)
        .join('.'),
    );
    if (embedded) return embedded;
  }
  // Only 2000::/3 is allocated as global unicast; anything else cannot be an Internet attacker.
  return GLOBAL_UNICAST.check(address, 'ipv6') ? null : 'RESERVED';
}

function blockListOf(cidrs: readonly string[], field: string): BlockList {
  const list = new BlockList();
  cidrs.forEach((cidr, i) => {
    const parsed = withField(`${field}[${i}]`, () => parseCidr(cidr));
    list.addSubnet(parsed.network, parsed.prefixLength, parsed.family === 4 ? 'ipv4' : 'ipv6');
  });
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

function familyOf(text: string): IpFamily {
  // `net.isIP` accepts a zone index (`fe80::1%eth0`); a zone means nothing off the host, so refuse it.
  const family =
    typeof text === 'string' && text.length <= MAX_ADDRESS_LENGTH && !text.includes('%') ? isIP(text) : 0;
  if (family === 0)
    throw new InvalidInputError(`must be an IPv4 or IPv6 address, got ${quote(String(text))}`);
  return family as IpFamily;
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/** The 16 bytes of a canonical IPv6 address (one `::` at most, no dotted tail). */
function ipv6Bytes(canonical: string): number[] {
  const [head, tail] = canonical.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros =
    tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

function fromBytes(bytes: number[], family: IpFamily): string {
  if (family === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return canonicalAddress(groups.join(':'));
}

/** The mask of one byte that has `bits` network bits left to cover (clamped to 0..8). */
function maskByte(bits: number): number {
  const n = Math.max(0, Math.min(8, bits));
  return (0xff << (8 - n)) & 0xff;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
