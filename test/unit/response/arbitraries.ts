import fc from 'fast-check';
import type { SpecialRangeReason } from '../../../tasks/response/addresses';

/**
 * Address generators for the property tests, with their own table of special ranges written
 * independently of tasks/response/addresses.ts, so that the tests are an oracle, not a copy.
 */

export interface Range {
  /** Network bytes (4 or 16). */
  network: number[];
  prefix: number;
  reason: SpecialRangeReason;
  label: string;
}

const v4 = (
  a: number,
  b: number,
  c: number,
  d: number,
  prefix: number,
  reason: SpecialRangeReason,
  label: string,
) => ({ network: [a, b, c, d], prefix, reason, label }) satisfies Range;

export const SPECIAL_V4: Range[] = [
  v4(0, 0, 0, 0, 8, 'UNSPECIFIED', 'this network 0/8'),
  v4(10, 0, 0, 0, 8, 'PRIVATE', 'RFC 1918 10/8'),
  v4(172, 16, 0, 0, 12, 'PRIVATE', 'RFC 1918 172.16/12'),
  v4(192, 168, 0, 0, 16, 'PRIVATE', 'RFC 1918 192.168/16'),
  v4(100, 64, 0, 0, 10, 'CGNAT', 'shared address space 100.64/10'),
  v4(127, 0, 0, 0, 8, 'LOOPBACK', 'loopback 127/8'),
  v4(169, 254, 0, 0, 16, 'LINK_LOCAL', 'link-local 169.254/16'),
  v4(224, 0, 0, 0, 4, 'MULTICAST', 'multicast 224/4'),
  v4(192, 0, 0, 0, 24, 'RESERVED', 'IETF protocol assignments 192.0.0/24'),
  v4(198, 18, 0, 0, 15, 'RESERVED', 'benchmarking 198.18/15'),
  v4(240, 0, 0, 0, 4, 'RESERVED', 'class E 240/4'),
  v4(255, 255, 255, 255, 32, 'BROADCAST', 'limited broadcast'),
];

const v6 = (groups: number[], prefix: number, reason: SpecialRangeReason, label: string): Range => ({
  network: [...groups, ...new Array(8 - groups.length).fill(0)].flatMap((g) => [g >> 8, g & 0xff]),
  prefix,
  reason,
  label,
});

export const SPECIAL_V6: Range[] = [
  v6([], 128, 'UNSPECIFIED', 'unspecified ::'),
  v6([0, 0, 0, 0, 0, 0, 0, 1], 128, 'LOOPBACK', 'loopback ::1'),
  v6([0xfc00], 7, 'PRIVATE', 'unique-local fc00::/7'),
  v6([0xfe80], 10, 'LINK_LOCAL', 'link-local fe80::/10'),
  v6([0xff00], 8, 'MULTICAST', 'multicast ff00::/8'),
  v6([0x0100], 64, 'RESERVED', 'discard-only 100::/64'),
  v6([0x2001, 0x0002], 48, 'RESERVED', 'benchmarking 2001:2::/48'),
  v6([0x4000], 2, 'RESERVED', 'unallocated 4000::/2'),
];

/** Random bytes with the first `prefix` bits taken from `network`. */
export function addressIn(range: Range): fc.Arbitrary<number[]> {
  const size = range.network.length;
  return fc.array(fc.integer({ min: 0, max: 255 }), { minLength: size, maxLength: size }).map((random) =>
    random.map((byte, i) => {
      const bits = Math.max(0, Math.min(8, range.prefix - 8 * i));
      const mask = (0xff << (8 - bits)) & 0xff;
      return (range.network[i]! & mask) | (byte & ~mask & 0xff);
    }),
  );
}

export const v4Text = (bytes: number[]): string => bytes.join('.');

/** IPv6 text in one of the spellings GuardDuty or people might use: full, compressed, upper-case. */
export function v6Texts(bytes: number[]): fc.Arbitrary<string> {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  const full = groups.join(':');
  const padded = groups.map((g) => g.padStart(4, '0')).join(':');
  const compressed = new URL(`http://[${full}]/`).hostname.slice(1, -1);
  return fc.constantFrom(full, padded, compressed, compressed.toUpperCase());
}

function inRange(bytes: number[], range: Range): boolean {
  if (bytes.length !== range.network.length) return false;
  return bytes.every((byte, i) => {
    const bits = Math.max(0, Math.min(8, range.prefix - 8 * i));
    const mask = (0xff << (8 - bits)) & 0xff;
    return (byte & mask) === (range.network[i]! & mask);
  });
}

export const isSpecialV4 = (bytes: number[]): boolean => SPECIAL_V4.some((r) => inRange(bytes, r));

/** The most specific special range holding the address (255.255.255.255 is inside class E). */
export function expectedV4Reason(bytes: number[]): SpecialRangeReason | null {
  const matches = SPECIAL_V4.filter((r) => inRange(bytes, r)).sort((a, b) => b.prefix - a.prefix);
  return matches[0]?.reason ?? null;
}

/** Any special IPv4 address with the reason Warden must give for it. */
export const specialV4 = fc
  .constantFrom(...SPECIAL_V4)
  .chain((range) => addressIn(range))
  .map((bytes) => ({ bytes, text: v4Text(bytes), reason: expectedV4Reason(bytes)! }));

/** Any special IPv6 address (its own ranges), with the reason. */
export const specialV6 = fc
  .constantFrom(...SPECIAL_V6)
  .chain((range) =>
    addressIn(range).chain((bytes) => v6Texts(bytes).map((text) => ({ bytes, text, reason: range.reason }))),
  );

/** Globally routable IPv4: anything outside the special table (documentation ranges included). */
export const publicV4Bytes = fc
  .array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 })
  .filter((bytes) => !isSpecialV4(bytes));

export const publicV4 = publicV4Bytes.map(v4Text);

/**
 * Globally routable IPv6 away from 2001::/16 and 2002::/16, whose embedded-IPv4 and IETF parts
 * are covered by their own properties.
 */
export const publicV6 = fc
  .tuple(
    fc.integer({ min: 0x2003, max: 0x3fff }),
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 14, maxLength: 14 }),
  )
  .chain(([first, rest]) => v6Texts([first >> 8, first & 0xff, ...rest]));

/** An IPv6 address embedding an IPv4 one the way `kind` does it. */
export function embed(kind: 'mapped' | 'nat64' | '6to4' | 'teredo', v4bytes: number[]): fc.Arbitrary<string> {
  const filler = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 8, maxLength: 8 });
  switch (kind) {
    case 'mapped':
      return fc.oneof(
        fc.constant(`::ffff:${v4Text(v4bytes)}`),
        v6Texts([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4bytes]),
      );
    case 'nat64':
      return fc.oneof(
        fc.constant(`64:ff9b::${v4Text(v4bytes)}`),
        v6Texts([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, ...v4bytes]),
      );
    case '6to4':
      return fc
        .array(fc.integer({ min: 0, max: 255 }), { minLength: 10, maxLength: 10 })
        .chain((r) => v6Texts([0x20, 0x02, ...v4bytes, ...r]));
    case 'teredo':
      // Bytes 4–11 hold the Teredo server and flags; the client's address is inverted at the end.
      return filler.chain((r) => v6Texts([0x20, 0x01, 0, 0, ...r, ...v4bytes.map((b) => b ^ 0xff)]));
  }
}
