import { isIP } from 'node:net';

/**
 * The one parser of IP addresses and CIDR blocks. The config schema checks every CIDR field with
 * it (at synth and at start), and the never-block guard of the finding response
 * (tasks/response/addresses.ts) reads the same fields with it, so a CIDR the config accepts is one
 * the guard can read. It lives in the config layer, the lowest, so that both can import it.
 */

export type IpFamily = 4 | 6;

export interface ParsedCidr {
  /** The network address in canonical text (RFC 5952 for IPv6). */
  network: string;
  prefixLength: number;
  family: IpFamily;
  /** `network/prefixLength`: the form Warden stores and compares. */
  text: string;
}

/** An address or CIDR block that does not parse; the message says what is wrong with the value. */
export class AddressSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressSyntaxError';
  }
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
    if (isMapped(bytes)) return bytes.slice(12).join('.');
  }
  return canonical;
}

/**
 * Parses `address/prefix` (a bare address means a single host). Host bits must be zero:
 * `10.1.2.3/8` in an allow-list is more likely a typo than a wish for all of 10/8, so it is
 * refused with the canonical spelling suggested rather than silently widened. Octets with a
 * leading zero (`198.051.100.7`) are refused, since some readers take them as octal.
 */
export function parseCidr(text: string): ParsedCidr {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_ADDRESS_LENGTH + 4) {
    throw new AddressSyntaxError('must be a CIDR block such as 203.0.113.0/24 or 2001:db8::/32');
  }
  const parts = text.split('/');
  if (parts.length > 2) throw new AddressSyntaxError(`must be a CIDR block with one "/", got ${quote(text)}`);
  const [addressText, prefixText] = parts as [string, string | undefined];
  const family = familyOf(addressText);
  const maxPrefix = family === 4 ? 32 : 128;
  let prefixLength = maxPrefix;
  if (prefixText !== undefined) {
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText) || Number(prefixText) > maxPrefix) {
      throw new AddressSyntaxError(
        `prefix length must be a whole number from 0 to ${maxPrefix} for an IPv${family} block, got ${quote(text)}`,
      );
    }
    prefixLength = Number(prefixText);
  }
  const bytes = family === 4 ? ipv4Bytes(addressText) : ipv6Bytes(canonicalAddress(addressText));
  const networkBytes = bytes.map((b, i) => b & maskByte(prefixLength - 8 * i));
  const network = fromBytes(networkBytes, family);
  if (networkBytes.some((b, i) => b !== bytes[i])) {
    throw new AddressSyntaxError(
      `host bits must be zero in ${quote(text)}; did you mean ${network}/${prefixLength}?`,
    );
  }
  return { network, prefixLength, family, text: `${network}/${prefixLength}` };
}

/**
 * `::ffff:198.51.100.201/128` (or `::ffff:c633:6407/128`) is an IPv4 block spelt as IPv6: the
 * guard compares the unwrapped IPv4 address, so the block is unwrapped too (prefix − 96).
 */
export function unwrapMappedCidr(cidr: ParsedCidr): ParsedCidr {
  if (cidr.family !== 6 || cidr.prefixLength < 96) return cidr;
  const bytes = ipv6Bytes(cidr.network);
  if (!isMapped(bytes)) return cidr;
  const network = bytes.slice(12).join('.');
  const prefixLength = cidr.prefixLength - 96;
  return { network, prefixLength, family: 4, text: `${network}/${prefixLength}` };
}

/** The 4 or 16 bytes of a canonical address (as `canonicalAddress` or `parseCidr` return it). */
export function addressBytes(canonical: string): number[] {
  return familyOf(canonical) === 4 ? ipv4Bytes(canonical) : ipv6Bytes(canonical);
}

/** The mask of one byte that has `bits` network bits left to cover (clamped to 0..8). */
export function maskByte(bits: number): number {
  const n = Math.max(0, Math.min(8, bits));
  return (0xff << (8 - n)) & 0xff;
}

export function familyOf(text: string): IpFamily {
  // `net.isIP` accepts a zone index (`fe80::1%eth0`); a zone means nothing off the host, so refuse it.
  const family =
    typeof text === 'string' && text.length <= MAX_ADDRESS_LENGTH && !text.includes('%') ? isIP(text) : 0;
  if (family === 0) {
    const tail = typeof text === 'string' ? /(?:^|:)(\d+(?:\.\d+){3})$/.exec(text)?.[1] : undefined;
    if (tail?.split('.').some((octet) => /^0\d/.test(octet)))
      throw new AddressSyntaxError(
        `an octet has a leading zero in ${quote(text)} (some readers take it as octal); write it without`,
      );
    throw new AddressSyntaxError(`must be an IPv4 or IPv6 address, got ${quote(String(text))}`);
  }
  return family as IpFamily;
}

function isMapped(bytes: readonly number[]): boolean {
  return bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
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

/** The value as JSON text, cut at 60 characters: error messages name it without flooding. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
