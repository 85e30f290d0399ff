import fc from 'fast-check';
import { checkFindingEvent, parseFindingEventFast } from '../../../tasks/response/fast-finding';
import { FindingEventSchema, parseFindingEvent } from '../../../tasks/response/finding';
import { InvalidFindingError } from '../../../tasks/shared/errors';
import {
  fieldPathsOf,
  findingEventWithRawDetail,
  makeFindingEvent,
  makeNetworkInterface,
  makePortProbe,
  mutableCopy,
  type RawFindingEvent,
  withFieldReplaced,
} from '../../fixtures/findings';

/** JSON round trip: drops the keys zod keeps with an undefined value, as the output would. */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value));

const VALID_EVENTS: Array<[string, RawFindingEvent]> = [
  ['an SSH brute force', makeFindingEvent()],
  ['a port probe', makeFindingEvent({ type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 8 })],
  [
    'a port probe with many details and IPv6',
    makeFindingEvent({
      type: 'Recon:EC2/PortProbeUnprotectedPort',
      portProbes: [makePortProbe({ remoteIp: '2001:db8::7' }), makePortProbe({ remoteIp: '10.1.1.1' })],
    }),
  ],
  ['an API call', makeFindingEvent({ type: 'Stealth:IAMUser/CloudTrailLoggingDisabled' })],
  ['a DNS request', makeFindingEvent({ type: 'Trojan:EC2/DNSDataExfiltration!DNS' })],
  ['a Kubernetes call', makeFindingEvent({ type: 'Discovery:Kubernetes/MaliciousIPCaller' })],
  ['a sample', makeFindingEvent({ sample: 'value' })],
  [
    'an instance with IPv6 interfaces',
    makeFindingEvent({ networkInterfaces: [makeNetworkInterface({ ipv6Addresses: ['2001:db8::10'] })] }),
  ],
];

describe('checkFindingEvent', () => {
  it.each(VALID_EVENTS)('builds the same value as the schema for %s', (_name, event) => {
    // Act
    const fast = checkFindingEvent(structuredClone(event));
    const schema = FindingEventSchema.parse(structuredClone(event));

    // Assert
    expect(fast).toBeDefined();
    expect(plain(fast)).toEqual(plain(schema));
  });

  it('treats nulls as absent values, as the schema does', () => {
    // Arrange
    const raw = mutableCopy(makeFindingEvent());
    raw.detail.title = null;
    raw.detail.service.action.networkConnectionAction.remoteIpDetails.city = null;

    // Act
    const fast = checkFindingEvent(raw);

    // Assert
    expect(plain(fast)).toEqual(plain(parseFindingEvent(raw)));
    expect(fast?.detail.title).toBeUndefined();
  });

  it('leaves out unknown fields and never copies a __proto__ key', () => {
    // Arrange
    const raw = findingEventWithRawDetail('"__proto__":{"polluted":true},"extra":1,');

    // Act
    const fast = checkFindingEvent(raw);

    // Assert
    expect(fast?.detail).not.toHaveProperty('extra');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('never accepts what the schema refuses, and agrees with it on what both accept', () => {
    // Arrange: every path of valid events, so that mutations land deep inside them
    const bases = [
      makeFindingEvent({ type: 'Recon:EC2/PortProbeUnprotectedPort' }),
      makeFindingEvent({ networkInterfaces: [makeNetworkInterface({ ipv6Addresses: ['2001:db8::10'] })] }),
    ];
    const targets = bases.flatMap((b, base) => fieldPathsOf(b).map((path) => ({ base, path })));
    const value = fc.oneof(
      fc.jsonValue(),
      fc.constantFrom(
        '',
        'x'.repeat(300),
        '10.0.0.1',
        '::1',
        'fe80::1%eth0',
        '2026-13-01T00:00:00Z',
        -1,
        65536,
        1e300,
      ),
    );

    fc.assert(
      fc.property(fc.constantFrom(...targets), value, ({ base, path }, replacement) => {
        const raw = withFieldReplaced(bases[base]!, path, replacement);

        const fast = checkFindingEvent(structuredClone(raw));
        const schema = FindingEventSchema.safeParse(structuredClone(raw));

        if (!schema.success) expect(fast).toBeUndefined();
        else if (fast !== undefined) expect(plain(fast)).toEqual(plain(schema.data));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseFindingEventFast', () => {
  it("fails with the schema's error, naming the bad field", () => {
    // Arrange
    const raw = mutableCopy(makeFindingEvent());
    raw.detail.accountId = '12';

    // Act
    const failure = () => parseFindingEventFast(raw);

    // Assert
    expect(failure).toThrow(InvalidFindingError);
    expect(failure).toThrow('detail.accountId: must be a 12-digit account id');
  });
});
