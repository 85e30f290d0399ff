import { isIP } from 'node:net';
import { InvalidInputError } from '../shared/errors';

/**
 * Address parsing and the "never block" guard of the finding response.
 *
 * Range membership compares network bytes with a mask (`CidrList`). It replaced `net.BlockList`,
 * whose every check builds a native SocketAddress: `warden replay` checks millions of addresses,
 * and that was the largest cost of triage. Results of the pure text functions are memoised.
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
  const known = EFFECTIVE.get(text);
  if (known !== undefined) return known;
  const effective = computeEffectiveAddress(text);
  // Bounded: a stream of distinct addresses must not grow memory without limit.
  if (EFFECTIVE.size >= MAX_MEMOISED) EFFECTIVE.clear();
  EFFECTIVE.set(text, effective);
  return effective;
}

const MAX_MEMOISED = 10_000;
const EFFECTIVE = new Map<string, string>();

function computeEffectiveAddress(text: string): string {
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

/**
 * True when `cidr` (as a NACL entry carries it) covers `address`. Families never mix: a NACL
 * matches IPv4 entries against IPv4 traffic only (IPv4-mapped addresses are unwrapped first).
 */
export function cidrCovers(cidr: string, address: string): boolean {
  const list = new CidrList();
  list.add(parseCidr(cidr));
  return list.has(bytesOf(effectiveAddress(address)));
}

/** The special range an address lies in, or null for a globally routable unicast address. */
export function specialRangeReason(address: string): SpecialRangeReason | null {
  return rangeReasonOf(bytesOf(effectiveAddress(address)));
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
    const bytes = bytesOf(effective);
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
    const network = cidr.family === 4 ? ipv4Bytes(cidr.network) : ipv6Bytes(cidr.network);
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
const V6_LISTS = IPV6_RANGES.map(([reason, cidrs]) => [reason, cidrListOf(cidrs, reason)] as const);
const GLOBAL_UNICAST = cidrListOf(['2000::/3'], 'global unicast');
const NAT64 = cidrListOf(['64:ff9b::/96'], 'NAT64');
const SIX_TO_FOUR = cidrListOf(['2002::/16'], '6to4');
const TEREDO = cidrListOf(['2001::/32'], 'Teredo');

/** The special range of an effective address given as its 4 or 16 bytes. */
function rangeReasonOf(bytes: readonly number[]): SpecialRangeReason | null {
  return bytes.length === 4 ? ipv4RangeReason(bytes) : ipv6RangeReason(bytes);
}

function ipv4RangeReason(bytes: readonly number[]): SpecialRangeReason | null {
  for (const [reason, list] of V4_LISTS) if (list.has(bytes)) return reason;
  return null;
}

function ipv6RangeReason(bytes: readonly number[]): SpecialRangeReason | null {
  for (const [reason, list] of V6_LISTS) if (list.has(bytes)) return reason;
  // Transition addresses carry an IPv4 address; one that embeds a private or special IPv4
  // address reaches that network once translated, so it is refused for the IPv4 reason.
  if (NAT64.has(bytes)) return ipv4RangeReason(bytes.slice(12));
  if (SIX_TO_FOUR.has(bytes)) {
    const embedded = ipv4RangeReason(bytes.slice(2, 6));
    if (embedded) return embedded;
  }
  if (TEREDO.has(bytes)) {
    // The Teredo client's public address is stored with every bit inverted (RFC 4380).
    const embedded = ipv4RangeReason(bytes.slice(12).map((b) => b ^ 0xff));
    if (embedded) return embedded;
  }
  // Only 2000::/3 is allocated as global unicast; anything else cannot be an Internet attacker.
  return GLOBAL_UNICAST.has(bytes) ? null : 'RESERVED';
}

function cidrListOf(cidrs: readonly string[], field: string): CidrList {
  const list = new CidrList();
  cidrs.forEach((cidr, i) => {
    list.add(withField(`${field}[${i}]`, () => unwrapMappedCidr(parseCidr(cidr))));
  });
  return list;
}

/**
 * `::ffff:198.51.100.201/128` (or `::ffff:c633:6407/128`) is an IPv4 block spelt as IPv6: the
 * guard compares the unwrapped IPv4 address, so the block is unwrapped too (prefix − 96).
 */
export function unwrapMappedCidr(cidr: ParsedCidr): ParsedCidr {
  if (cidr.family !== 6 || cidr.prefixLength < 96) return cidr;
  const bytes = ipv6Bytes(cidr.network);
  if (!bytes.slice(0, 10).every((b) => b === 0) || bytes[10] !== 0xff || bytes[11] !== 0xff) return cidr;
  const network = bytes.slice(12).join('.');
  const prefixLength = cidr.prefixLength - 96;
  return { network, prefixLength, family: 4, text: `${network}/${prefixLength}` };
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

/** The bytes of an effective (canonical) address. */
function bytesOf(effective: string): number[] {
  return familyOf(effective) === 4 ? ipv4Bytes(effective) : ipv6Bytes(effective);
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
