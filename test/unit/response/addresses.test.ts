import fc from 'fast-check';
import {
  blockCidrFor,
  canonicalAddress,
  createNeverBlockGuard,
  effectiveAddress,
  neverBlockReason,
  parseCidr,
  specialRangeReason,
} from '../../../tasks/response/addresses';
import { InvalidInputError } from '../../../tasks/shared/errors';
import { embed, publicV4, publicV4Bytes, publicV6, specialV4, specialV6 } from './arbitraries';

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8', 4, 8],
    ['0.0.0.0/0', '0.0.0.0/0', 4, 0],
    ['203.0.113.7/32', '203.0.113.7/32', 4, 32],
    ['2001:DB8:0:0::/32', '2001:db8::/32', 6, 32],
    ['2001:0db8:0000:0000:0000:0000:0000:0001/128', '2001:db8::1/128', 6, 128],
    ['::/0', '::/0', 6, 0],
  ])('reads %s as %s', (text, canonical, family, prefixLength) => {
    // Act
    const parsed = parseCidr(text);

    // Assert
    expect(parsed).toMatchObject({ text: canonical, family, prefixLength });
  });

  it('reads a bare address as a single host', () => {
    // Act & assert
    expect(parseCidr('198.51.100.7').text).toBe('198.51.100.7/32');
    expect(parseCidr('2001:db8::7').text).toBe('2001:db8::7/128');
  });

  it.each([
    ['10.0.0.0/33', /from 0 to 32/],
    ['2001:db8::/129', /from 0 to 128/],
    ['10.0.0.0/-1', /prefix length/],
    ['10.0.0.0/08', /prefix length/],
    ['10.0.0.0/', /prefix length/],
    ['10.0.0.0/8.5', /prefix length/],
    ['10.0.0.0/8/8', /one "\/"/],
    ['10.0.0/8', /IPv4 or IPv6 address/],
    ['010.0.0.0/8', /leading zero/],
    ['fe80::1%eth0/64', /IPv4 or IPv6 address/],
    ['', /CIDR block/],
  ])('refuses %j', (text, message) => {
    // Act & assert
    expect(() => parseCidr(text)).toThrow(InvalidInputError);
    expect(() => parseCidr(text)).toThrow(message);
  });

  it('refuses set host bits and suggests the network', () => {
    // Act & assert
    expect(() => parseCidr('10.1.2.3/8')).toThrow('did you mean 10.0.0.0/8?');
    expect(() => parseCidr('2001:db8::1/32')).toThrow('did you mean 2001:db8::/32?');
  });

  it('gives the same canonical text for every spelling of an IPv6 block', () => {
    fc.assert(
      fc.property(publicV6, (address) => {
        // Arrange
        const upper = address.toUpperCase();

        // Act & assert
        expect(parseCidr(`${upper}/128`).text).toBe(parseCidr(`${address}/128`).text);
      }),
    );
  });
});

describe('canonicalAddress', () => {
  it('compresses and lower-cases IPv6 as RFC 5952 asks', () => {
    // Act & assert
    expect(canonicalAddress('2001:0DB8:0000:0000:0001:0000:0000:0001')).toBe('2001:db8::1:0:0:1');
  });

  it('leaves a dotted quad alone', () => {
    expect(canonicalAddress('198.51.100.7')).toBe('198.51.100.7');
  });
});

describe('effectiveAddress', () => {
  it('unwraps an IPv4-mapped address', () => {
    expect(effectiveAddress('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(effectiveAddress('::FFFF:c633:6407')).toBe('198.51.100.7');
  });
});

describe('blockCidrFor', () => {
  it.each([
    ['198.51.100.7', '198.51.100.7/32'],
    ['2001:DB8:0000::7', '2001:db8::7/128'],
    ['::ffff:198.51.100.7', '198.51.100.7/32'],
  ])('denies %s as %s', (address, cidr) => {
    expect(blockCidrFor(address)).toBe(cidr);
  });

  it.each(['198.51.100.7; rm -rf /', '1.2.3.4/32', 'fe80::1%eth0', '', 'x'.repeat(1000)])(
    'refuses %j, which is not an address',
    (text) => {
      expect(() => blockCidrFor(text)).toThrow(InvalidInputError);
    },
  );
});

describe('neverBlockReason', () => {
  it.each([
    ['10.0.0.1', 'PRIVATE'],
    ['172.31.255.255', 'PRIVATE'],
    ['192.168.1.1', 'PRIVATE'],
    ['127.0.0.1', 'LOOPBACK'],
    ['169.254.169.254', 'LINK_LOCAL'],
    ['100.64.0.1', 'CGNAT'],
    ['224.0.0.251', 'MULTICAST'],
    ['255.255.255.255', 'BROADCAST'],
    ['0.0.0.0', 'UNSPECIFIED'],
    ['192.0.0.8', 'RESERVED'],
    ['198.18.0.1', 'RESERVED'],
    ['240.0.0.1', 'RESERVED'],
    ['192.88.99.1', 'RESERVED'],
    ['::1', 'LOOPBACK'],
    ['::', 'UNSPECIFIED'],
    ['fd12:3456::1', 'PRIVATE'],
    ['fe80::1', 'LINK_LOCAL'],
    ['ff02::1', 'MULTICAST'],
    ['100::1', 'RESERVED'],
    ['4000::1', 'RESERVED'],
  ])('refuses %s as %s', (address, reason) => {
    expect(neverBlockReason(address)).toBe(reason);
  });

  it('refuses an IPv4-mapped private address', () => {
    expect(neverBlockReason('::ffff:10.0.0.1')).toBe('PRIVATE');
  });

  it('refuses a NAT64 address that embeds a private address', () => {
    expect(neverBlockReason('64:ff9b::192.168.0.1')).toBe('PRIVATE');
  });

  it('refuses a 6to4 address that embeds a loopback address', () => {
    expect(neverBlockReason('2002:7f00:1::1')).toBe('LOOPBACK');
  });

  it('refuses a Teredo address whose client is private', () => {
    // 10.0.0.1 inverted is f5ff:fffe.
    expect(neverBlockReason('2001:0:4136:e378:8000:63bf:f5ff:fffe')).toBe('PRIVATE');
  });

  it.each(['198.51.100.7', '203.0.113.9', '192.0.2.1', '2001:db8::7', '8.8.8.8', '2606:4700::1111'])(
    'allows %s, a routable or documentation address, with no config',
    (address) => {
      expect(neverBlockReason(address)).toBeNull();
    },
  );

  it("refuses the instance's own public address", () => {
    // Act
    const reason = neverBlockReason('203.0.113.10', { instanceAddresses: ['10.0.1.15', '203.0.113.10'] });

    // Assert
    expect(reason).toBe('INSTANCE_OWN_ADDRESS');
  });

  it("refuses the instance's own IPv6 address in any spelling", () => {
    expect(neverBlockReason('2600:1F18:0000::0001', { instanceAddresses: ['2600:1f18::1'] })).toBe(
      'INSTANCE_OWN_ADDRESS',
    );
  });

  it("refuses an address in the organisation's VPC CIDRs", () => {
    expect(neverBlockReason('52.1.2.3', { ownCidrs: ['52.1.0.0/16'] })).toBe('OWN_VPC_CIDR');
    expect(neverBlockReason('2600:1f18:1::9', { ownCidrs: ['2600:1f18::/32'] })).toBe('OWN_VPC_CIDR');
  });

  it('refuses an allow-listed address, also when it comes IPv4-mapped', () => {
    expect(neverBlockReason('198.51.100.7', { allowList: ['198.51.100.0/24'] })).toBe('ALLOW_LISTED');
    expect(neverBlockReason('::ffff:198.51.100.7', { allowList: ['198.51.100.0/24'] })).toBe('ALLOW_LISTED');
  });

  it('names the range before the config when both apply', () => {
    expect(
      neverBlockReason('10.0.1.15', { instanceAddresses: ['10.0.1.15'], allowList: ['10.0.0.0/8'] }),
    ).toBe('PRIVATE');
  });

  it('fails when a configured CIDR is malformed, naming the entry', () => {
    expect(() => neverBlockReason('8.8.8.8', { allowList: ['198.51.100.0/24', '10.0.0.1/8'] })).toThrow(
      'allowList[1]: host bits must be zero',
    );
  });

  it('fails when the address is not an address', () => {
    expect(() => neverBlockReason('not-an-ip')).toThrow(InvalidInputError);
  });

  describe('properties', () => {
    it('refuses every special IPv4 address with its reason', () => {
      fc.assert(
        fc.property(specialV4, ({ text, reason }) => {
          expect(neverBlockReason(text)).toBe(reason);
        }),
        { numRuns: 2000 },
      );
    });

    it('refuses every special IPv6 address with its reason', () => {
      fc.assert(
        fc.property(specialV6, ({ text, reason }) => {
          expect(neverBlockReason(text)).toBe(reason);
        }),
        { numRuns: 2000 },
      );
    });

    it('refuses every IPv6 spelling that embeds a special IPv4 address, for the IPv4 reason', () => {
      fc.assert(
        fc.property(
          specialV4.chain(({ bytes, reason }) =>
            fc
              .constantFrom('mapped', 'nat64', '6to4', 'teredo' as const)
              .chain((kind) => embed(kind, bytes))
              .map((text) => ({ text, reason })),
          ),
          ({ text, reason }) => {
            expect(neverBlockReason(text)).toBe(reason);
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('allows every public IPv4 address when nothing is configured', () => {
      fc.assert(
        fc.property(publicV4, (address) => {
          expect(neverBlockReason(address)).toBeNull();
          expect(blockCidrFor(address)).toBe(`${address}/32`);
        }),
        { numRuns: 2000 },
      );
    });

    it('allows every public IPv6 address when nothing is configured', () => {
      fc.assert(
        fc.property(publicV6, (address) => {
          expect(neverBlockReason(address)).toBeNull();
          expect(blockCidrFor(address)).toMatch(/^[0-9a-f:]+\/128$/);
        }),
        { numRuns: 2000 },
      );
    });

    it('allows every public IPv4 address wrapped in NAT64, 6to4, Teredo or IPv4-mapped form', () => {
      fc.assert(
        fc.property(
          publicV4Bytes.chain((bytes) =>
            fc.constantFrom('mapped', 'nat64', '6to4', 'teredo' as const).chain((kind) => embed(kind, bytes)),
          ),
          (address) => {
            expect(neverBlockReason(address)).toBeNull();
          },
        ),
      );
    });

    it('refuses every address inside a configured allow-list block', () => {
      fc.assert(
        fc.property(publicV4Bytes, fc.integer({ min: 8, max: 32 }), (bytes, prefix) => {
          // Arrange: the block of that prefix length around the address
          const address = bytes.join('.');
          const masked = bytes.map(
            (b, i) => b & ((0xff << (8 - Math.max(0, Math.min(8, prefix - 8 * i)))) & 0xff),
          );
          const block = parseCidr(`${masked.join('.')}/${prefix}`).text;
          const guard = createNeverBlockGuard({ allowList: [block] });

          // Act & assert
          expect(guard(address)).toBe('ALLOW_LISTED');
        }),
      );
    });

    it('agrees with specialRangeReason when nothing is configured', () => {
      fc.assert(
        fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (address) => {
          expect(neverBlockReason(address)).toBe(specialRangeReason(address));
        }),
      );
    });
  });
});
