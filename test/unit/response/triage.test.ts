import fc from 'fast-check';
import type { PolicyRule, WardenConfig } from '../../../config/schema';
import { neverBlockReason } from '../../../tasks/response/addresses';
import { parseFindingEvent } from '../../../tasks/response/finding';
import { MAX_ADDRESSES, type TriageResult, triageFinding } from '../../../tasks/response/triage';
import { InvalidInputError } from '../../../tasks/shared/errors';
import {
  ACCOUNT_ID,
  ATTACKER_IP,
  ENI_ID,
  type FindingOptions,
  INSTANCE_ID,
  makeConfig,
  makeFindingEvent,
  makeNetworkInterface,
  makePortProbe,
  PRIVATE_IP,
  PUBLIC_IP,
  SUBNET_ID,
  VPC_ID,
} from '../../fixtures/findings';
import { publicV4, publicV6, specialV4, specialV6 } from './arbitraries';

const ENFORCE = makeConfig({ mode: 'enforce' });
const BLOCK_EVERYTHING: PolicyRule[] = [{ name: 'block everything', action: 'BLOCK_AUTO' }];

const triage = (
  options: FindingOptions = {},
  config: Pick<WardenConfig, 'response'> = ENFORCE,
  context: { organizationalUnitId?: string } = {},
): TriageResult => triageFinding(parseFindingEvent(makeFindingEvent(options)), config, context);

describe('triageFinding', () => {
  it('proposes blocking an SSH brute-forcer for approval', () => {
    // Act
    const result = triage({ type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 2 });

    // Assert
    expect(result).toEqual({
      findingId: '6ac9a2e5c1f04f6e9b0d3f1e2a4b5c6d',
      accountId: ACCOUNT_ID,
      region: 'eu-west-1',
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      severity: 2,
      severityBand: 'LOW',
      count: 1,
      resourceRole: 'TARGET',
      instanceId: INSTANCE_ID,
      decision: 'BLOCK_WITH_APPROVAL',
      reason: 'POLICY',
      rule: 'brute force against our instance',
      policyAction: 'BLOCK_WITH_APPROVAL',
      category: 'FINDING',
      dryRun: false,
      dryRunReasons: [],
      recommendation: null,
      addresses: [
        {
          address: ATTACKER_IP,
          cidr: `${ATTACKER_IP}/32`,
          action: 'APPROVAL',
          reason: 'POLICY_BLOCK_WITH_APPROVAL',
          source: 'NETWORK_CONNECTION',
        },
      ],
      addressesTotal: 1,
      addressesOmitted: 0,
      targets: [{ subnetId: SUBNET_ID, vpcId: VPC_ID, networkInterfaceIds: [ENI_ID] }],
      instanceAddresses: [PRIVATE_IP, PUBLIC_IP],
      notes: [],
    });
  });

  it('blocks every distinct prober of a high-severity port probe without approval', () => {
    // Arrange
    const probes = [
      makePortProbe({ remoteIp: '198.51.100.7', port: 22 }),
      makePortProbe({ remoteIp: '198.51.100.7', port: 3389 }),
      makePortProbe({ remoteIp: '203.0.113.99', port: 9200 }),
    ];

    // Act
    const result = triage({ type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 8, portProbes: probes });

    // Assert
    expect(result.decision).toBe('BLOCK_AUTO');
    expect(result.rule).toBe('high-severity port probe of an unprotected port');
    expect(result.addresses.map((a) => [a.cidr, a.action, a.source])).toEqual([
      ['198.51.100.7/32', 'BLOCK', 'PORT_PROBE'],
      ['203.0.113.99/32', 'BLOCK', 'PORT_PROBE'],
    ]);
  });

  it('denies an IPv6 attacker as a canonical /128', () => {
    // Act
    const result = triage({ remoteIp: '2001:DB8:0:0::7' });

    // Assert
    expect(result.addresses[0]).toMatchObject({
      address: '2001:DB8:0:0::7',
      cidr: '2001:db8::7/128',
      action: 'APPROVAL',
    });
  });

  it('lists both addresses of a peer reported with IPv4 and IPv6', () => {
    // Act
    const result = triage({ remoteIp: ATTACKER_IP, remoteIpV6: '2001:db8::7' });

    // Assert
    expect(result.addresses.map((a) => a.cidr)).toEqual([`${ATTACKER_IP}/32`, '2001:db8::7/128']);
  });

  it('counts an IPv4-mapped address and its IPv4 form as one peer', () => {
    // Arrange
    const probes = [
      makePortProbe({ remoteIp: '198.51.100.7' }),
      makePortProbe({ remoteIp: '::ffff:198.51.100.7' }),
    ];

    // Act
    const result = triage({ type: 'Recon:EC2/PortProbeUnprotectedPort', portProbes: probes });

    // Assert
    expect(result.addresses).toHaveLength(1);
    expect(result.addresses[0]?.cidr).toBe('198.51.100.7/32');
  });

  describe('dry run', () => {
    it('is a dry run in dry-run mode, deciding as it would in earnest', () => {
      // Act
      const result = triage({}, makeConfig({ mode: 'dry-run' }));

      // Assert
      expect(result).toMatchObject({
        dryRun: true,
        dryRunReasons: ['MODE_DRY_RUN'],
        decision: 'BLOCK_WITH_APPROVAL',
      });
    });

    it.each([true, 'value'] as const)('handles a sample finding (sample: %s) only as a dry run', (sample) => {
      // Act
      const result = triage({ sample });

      // Assert
      expect(result).toMatchObject({ dryRun: true, dryRunReasons: ['SAMPLE_FINDING'] });
    });

    it('gives both reasons for a sample finding in dry-run mode', () => {
      expect(triage({ sample: true }, makeConfig({ mode: 'dry-run' })).dryRunReasons).toEqual([
        'MODE_DRY_RUN',
        'SAMPLE_FINDING',
      ]);
    });
  });

  it('ignores an archived finding, still naming the rule that would have applied', () => {
    // Act
    const result = triage({ archived: true });

    // Assert
    expect(result).toMatchObject({
      decision: 'IGNORE',
      reason: 'ARCHIVED',
      rule: 'brute force against our instance',
      policyAction: 'BLOCK_WITH_APPROVAL',
      recommendation: null,
    });
    expect(result.addresses[0]).toMatchObject({ action: 'NONE', reason: 'ARCHIVED' });
  });

  it('ignores a low finding no rule wants, blocking nothing', () => {
    // Act
    const result = triage({ type: 'Recon:IAMUser/MaliciousIPCaller', severity: 2 });

    // Assert
    expect(result).toMatchObject({
      decision: 'IGNORE',
      reason: 'POLICY',
      rule: 'other low-severity finding',
    });
  });

  it('ignores a finding with no matching rule', () => {
    // Act
    const result = triage(
      {},
      makeConfig({
        mode: 'enforce',
        policy: [{ name: 'prod only', tags: { env: 'prod' }, action: 'BLOCK_AUTO' }],
      }),
    );

    // Assert
    expect(result).toMatchObject({ decision: 'IGNORE', rule: 'no matching rule' });
    expect(result.addresses[0]).toMatchObject({ action: 'NONE', reason: 'FINDING_IGNORED' });
  });

  it('applies rules for the account OU given in the context', () => {
    // Arrange
    const config = makeConfig({
      mode: 'enforce',
      policy: [
        { name: 'sandbox OU', organizationalUnits: ['ou-ab12-cdef3456'], action: 'NOTIFY' },
        { name: 'everything else', action: 'BLOCK_AUTO' },
      ],
    });

    // Act & assert
    expect(triage({}, config, { organizationalUnitId: 'ou-ab12-cdef3456' }).rule).toBe('sandbox OU');
    expect(triage({}, config).rule).toBe('everything else');
  });

  describe('never-block rules', () => {
    it('notifies with an isolation recommendation when our instance is the actor', () => {
      // Act
      const result = triage({
        type: 'UnauthorizedAccess:EC2/SSHBruteForce',
        resourceRole: 'ACTOR',
        direction: 'OUTBOUND',
      });

      // Assert
      expect(result).toMatchObject({
        decision: 'NOTIFY',
        rule: 'our instance is attacking others: isolate it',
        recommendation: 'ISOLATE_INSTANCE',
      });
      expect(result.addresses[0]).toMatchObject({ action: 'NOTIFY', reason: 'RESOURCE_IS_ACTOR' });
    });

    it('downgrades a block the policy wants to a notification when our instance is the actor', () => {
      // Act
      const result = triage(
        { resourceRole: 'ACTOR' },
        makeConfig({ mode: 'enforce', policy: BLOCK_EVERYTHING }),
      );

      // Assert
      expect(result).toMatchObject({
        decision: 'NOTIFY',
        reason: 'RESOURCE_IS_ACTOR',
        policyAction: 'BLOCK_AUTO',
      });
    });

    it.each([
      ['an API call', 'Stealth:IAMUser/CloudTrailLoggingDisabled'],
      ['a DNS request', 'Backdoor:EC2/C&CActivity.B!DNS'],
      ['a Kubernetes API call', 'Discovery:Kubernetes/SuccessfulAnonymousAccess'],
    ])('does not block %s, which a NACL cannot stop', (_what, type) => {
      // Act
      const result = triage({ type, severity: 8 }, makeConfig({ mode: 'enforce', policy: BLOCK_EVERYTHING }));

      // Assert
      expect(result).toMatchObject({ decision: 'NOTIFY', reason: 'NOT_BLOCKABLE_BY_NACL', addresses: [] });
    });

    it('notifies about an outbound connection to a threat-list address and asks for an investigation', () => {
      // Act
      const result = triage({
        type: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
        severity: 5,
        direction: 'OUTBOUND',
      });

      // Assert
      expect(result).toMatchObject({
        decision: 'NOTIFY',
        reason: 'OUTBOUND_CONNECTION',
        policyAction: 'BLOCK_WITH_APPROVAL',
        recommendation: 'INVESTIGATE_INSTANCE',
      });
      expect(result.addresses[0]).toMatchObject({ action: 'NOTIFY', reason: 'OUTBOUND_CONNECTION' });
    });

    it('blocks an inbound connection from a threat-list address after approval', () => {
      expect(
        triage({ type: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom', direction: 'INBOUND' }).decision,
      ).toBe('BLOCK_WITH_APPROVAL');
    });

    it('does not block a connection of unknown direction', () => {
      expect(triage({ direction: 'UNKNOWN' })).toMatchObject({
        decision: 'NOTIFY',
        reason: 'CONNECTION_DIRECTION_UNKNOWN',
      });
    });

    it('does not block when the resource role is missing', () => {
      // Arrange
      const raw = makeFindingEvent({}) as { detail: { service: { resourceRole?: string } } };
      delete raw.detail.service.resourceRole;

      // Act
      const result = triageFinding(
        parseFindingEvent(raw),
        makeConfig({ mode: 'enforce', policy: BLOCK_EVERYTHING }),
        {},
      );

      // Assert
      expect(result).toMatchObject({
        decision: 'NOTIFY',
        reason: 'RESOURCE_ROLE_UNKNOWN',
        resourceRole: null,
      });
    });

    it('blocks nothing once the kill switch is on', () => {
      // Act
      const result = triage(
        { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 8 },
        makeConfig({ mode: 'enforce', killSwitch: true }),
      );

      // Assert
      expect(result).toMatchObject({ decision: 'NOTIFY', reason: 'KILL_SWITCH', policyAction: 'BLOCK_AUTO' });
      expect(result.addresses[0]).toMatchObject({ action: 'NOTIFY', reason: 'KILL_SWITCH' });
    });

    it('refuses a private attacker address and notifies instead', () => {
      // Act
      const result = triage({ remoteIp: '10.9.8.7' });

      // Assert
      expect(result).toMatchObject({ decision: 'NOTIFY', reason: 'NO_BLOCKABLE_ADDRESS' });
      expect(result.addresses[0]).toMatchObject({ action: 'NONE', reason: 'PRIVATE' });
    });

    it('gives each refused address of a port probe its own reason and blocks the rest', () => {
      // Arrange
      const config = makeConfig({
        mode: 'enforce',
        ownCidrs: ['52.94.0.0/16'],
        allowList: ['192.0.2.0/24'],
      });
      const probes = [
        makePortProbe({ remoteIp: '198.51.100.7' }),
        makePortProbe({ remoteIp: '::ffff:10.0.0.1' }),
        makePortProbe({ remoteIp: PUBLIC_IP }),
        makePortProbe({ remoteIp: '52.94.1.1' }),
        makePortProbe({ remoteIp: '192.0.2.44' }),
        makePortProbe({ remoteIp: 'fe80::1' }),
        makePortProbe({ remoteIp: '100.64.3.3' }),
      ];

      // Act
      const result = triage(
        { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2, portProbes: probes },
        config,
      );

      // Assert
      expect(result.decision).toBe('BLOCK_WITH_APPROVAL');
      expect(result.addresses.map((a) => [a.address, a.action, a.reason])).toEqual([
        ['198.51.100.7', 'APPROVAL', 'POLICY_BLOCK_WITH_APPROVAL'],
        ['::ffff:10.0.0.1', 'NONE', 'PRIVATE'],
        [PUBLIC_IP, 'NONE', 'INSTANCE_OWN_ADDRESS'],
        ['52.94.1.1', 'NONE', 'OWN_VPC_CIDR'],
        ['192.0.2.44', 'NONE', 'ALLOW_LISTED'],
        ['fe80::1', 'NONE', 'LINK_LOCAL'],
        ['100.64.3.3', 'NONE', 'CGNAT'],
      ]);
    });

    it('refuses the instance IPv6 address', () => {
      // Arrange
      const eni = makeNetworkInterface({ ipv6Addresses: ['2600:1f18::10'] });

      // Act
      const result = triage({ remoteIp: '2600:1F18:0::10', networkInterfaces: [eni] });

      // Assert
      expect(result.addresses[0]).toMatchObject({ action: 'NONE', reason: 'INSTANCE_OWN_ADDRESS' });
    });
  });

  describe('targets', () => {
    it('lists one target per subnet with the interfaces in it', () => {
      // Arrange
      const enis = [
        makeNetworkInterface(),
        makeNetworkInterface({
          networkInterfaceId: 'eni-0aaaaaaaaaaaaaaa1',
          privateIpAddress: '10.0.1.16',
          publicIp: null,
        }),
        makeNetworkInterface({
          networkInterfaceId: 'eni-0bbbbbbbbbbbbbbb2',
          subnetId: 'subnet-0ccccccccccccccc3',
          privateIpAddress: '10.0.2.5',
          publicIp: null,
        }),
      ];

      // Act
      const result = triage({ networkInterfaces: enis });

      // Assert
      expect(result.targets).toEqual([
        { subnetId: SUBNET_ID, vpcId: VPC_ID, networkInterfaceIds: [ENI_ID, 'eni-0aaaaaaaaaaaaaaa1'] },
        {
          subnetId: 'subnet-0ccccccccccccccc3',
          vpcId: VPC_ID,
          networkInterfaceIds: ['eni-0bbbbbbbbbbbbbbb2'],
        },
      ]);
      expect(result.instanceAddresses).toEqual([PRIVATE_IP, PUBLIC_IP, '10.0.1.16', '10.0.2.5']);
    });

    it('leaves out placeholder subnet ids of sample findings and says so', () => {
      // Arrange
      const enis = [
        makeNetworkInterface({ subnetId: 'GeneratedFindingSubnetId', vpcId: 'GeneratedFindingVPCId' }),
      ];

      // Act
      const result = triage({ networkInterfaces: enis, sample: true });

      // Assert
      expect(result).toMatchObject({
        targets: [],
        decision: 'NOTIFY',
        reason: 'NO_TARGET_SUBNET',
        dryRun: true,
      });
      expect(result.notes).toEqual([
        expect.stringContaining('1 network interface(s) without a well-formed subnet id'),
      ]);
    });

    it('does not block when the instance has no network interface', () => {
      expect(triage({ networkInterfaces: [] })).toMatchObject({
        decision: 'NOTIFY',
        reason: 'NO_TARGET_SUBNET',
      });
    });
  });

  describe('size', () => {
    it('caps the address list and says how many were left out', () => {
      // Arrange
      const probes = Array.from({ length: 1000 }, (_, i) =>
        makePortProbe({ remoteIp: `2001:db8::${i.toString(16)}` }),
      );

      // Act
      const result = triage({ type: 'Recon:EC2/PortProbeUnprotectedPort', portProbes: probes });

      // Assert
      expect(result.addresses).toHaveLength(MAX_ADDRESSES);
      expect(result).toMatchObject({ addressesTotal: 1000, addressesOmitted: 900 });
      expect(result.notes).toContain('900 of 1000 remote addresses were left out (limit 100)');
    });

    it('acts on the first maxAddressesPerFinding addresses and notifies the rest, naming the reason (defect 5)', () => {
      // Arrange: four public probers, one private one in between
      const probes = ['198.51.100.1', '10.0.9.9', '198.51.100.2', '198.51.100.3', '2001:db8::4'].map(
        (remoteIp) => makePortProbe({ remoteIp }),
      );
      const config = makeConfig({ mode: 'enforce', maxAddressesPerFinding: 2 });

      // Act
      const result = triage({ type: 'Recon:EC2/PortProbeUnprotectedPort', portProbes: probes }, config);

      // Assert
      expect(result).toMatchObject({ decision: 'BLOCK_WITH_APPROVAL', reason: 'ADDRESS_LIMIT_EXCEEDED' });
      expect(result.addresses.map((a) => [a.address, a.action, a.reason])).toEqual([
        ['198.51.100.1', 'APPROVAL', 'POLICY_BLOCK_WITH_APPROVAL'],
        ['198.51.100.2', 'APPROVAL', 'POLICY_BLOCK_WITH_APPROVAL'],
        ['198.51.100.3', 'NOTIFY', 'ADDRESS_LIMIT_EXCEEDED'],
        ['2001:db8::4', 'NOTIFY', 'ADDRESS_LIMIT_EXCEEDED'],
        ['10.0.9.9', 'NONE', 'PRIVATE'],
      ]);
      expect(result.notes).toContain(
        '4 addresses could be blocked; the first 2 (response.maxAddressesPerFinding) are acted on and 2 only notified',
      );
    });

    it('keeps the reason POLICY when a finding names no more addresses than the limit', () => {
      const config = makeConfig({ mode: 'enforce', maxAddressesPerFinding: 2 });
      const probes = ['198.51.100.1', '198.51.100.2'].map((remoteIp) => makePortProbe({ remoteIp }));

      const result = triage({ type: 'Recon:EC2/PortProbeUnprotectedPort', portProbes: probes }, config);

      expect(result.reason).toBe('POLICY');
      expect(result.addresses.every((a) => a.action === 'APPROVAL')).toBe(true);
    });

    it('acts on fewer addresses when the instance is in many subnets: at most 160 address-subnet pairs', () => {
      // Arrange: 40 allowed, 50 subnets → 3 addresses (150 pairs)
      const config = makeConfig({ mode: 'enforce', maxAddressesPerFinding: 40 });
      const probes = Array.from({ length: 10 }, (_, i) => makePortProbe({ remoteIp: `198.51.100.${i + 1}` }));
      const enis = Array.from({ length: 50 }, (_, n) =>
        makeNetworkInterface({
          networkInterfaceId: `eni-${n.toString(16).padStart(17, '0')}`,
          subnetId: `subnet-${n.toString(16).padStart(17, '0')}`,
        }),
      );

      // Act
      const result = triage(
        { type: 'Recon:EC2/PortProbeUnprotectedPort', portProbes: probes, networkInterfaces: enis },
        config,
      );

      // Assert
      expect(result.targets).toHaveLength(50);
      expect(result.addresses.filter((a) => a.action === 'APPROVAL')).toHaveLength(3);
      expect(result.addresses.filter((a) => a.reason === 'ADDRESS_LIMIT_EXCEEDED')).toHaveLength(7);
      expect(result.notes).toContain(
        '10 addresses could be blocked; the first 3 (at most 160 address-subnet pairs, over 50 subnets) are acted on and 7 only notified',
      );
    });

    it('keeps addresses it acts on ahead of refused ones when capping', () => {
      // Arrange: 150 private probers first, then 3 public ones
      const probes = [
        ...Array.from({ length: 150 }, (_, i) => makePortProbe({ remoteIp: `10.0.${i}.1` })),
        ...['198.51.100.1', '198.51.100.2', '198.51.100.3'].map((remoteIp) => makePortProbe({ remoteIp })),
      ];

      // Act
      const result = triage({ type: 'Recon:EC2/PortProbeUnprotectedPort', portProbes: probes });

      // Assert
      expect(result.addresses.slice(0, 3).map((a) => [a.address, a.action])).toEqual([
        ['198.51.100.1', 'APPROVAL'],
        ['198.51.100.2', 'APPROVAL'],
        ['198.51.100.3', 'APPROVAL'],
      ]);
      expect(result.addresses[3]?.reason).toBe('PRIVATE');
    });

    it('stays well inside the Step Functions payload limit for the largest finding it accepts', () => {
      // Arrange: 1000 distinct IPv6 probers and 64 interfaces with 256 addresses each
      const probes = Array.from({ length: 1000 }, (_, i) =>
        makePortProbe({ remoteIp: `2001:db8:ffff:ffff:ffff:ffff:ffff:${i.toString(16)}` }),
      );
      const enis = Array.from({ length: 64 }, (_, n) =>
        makeNetworkInterface({
          networkInterfaceId: `eni-${n.toString(16).padStart(17, '0')}`,
          subnetId: `subnet-${n.toString(16).padStart(17, '0')}`,
          ipv6Addresses: Array.from(
            { length: 256 },
            (_, i) => `2600:1f18:${n.toString(16)}::${i.toString(16)}`,
          ),
        }),
      );

      // Act
      const result = triage({
        type: 'Recon:EC2/PortProbeUnprotectedPort',
        portProbes: probes,
        networkInterfaces: enis,
      });

      // Assert
      expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(64 * 1024);
      expect(result.instanceAddresses).toHaveLength(100);
      expect(result.notes).toContainEqual(
        expect.stringMatching(/the instance has \d+ addresses; the first 100/),
      );
    });
  });

  it('fails with the entry named when the configured allow-list holds a malformed CIDR', () => {
    // Arrange: the schema refuses the entry (at synth and at start), so put it past the schema,
    // as a config built in code could; the guard still refuses to act on it.
    expect(() => makeConfig({ mode: 'enforce', allowList: ['10.0.0.1/8'] })).toThrow(
      /host bits must be zero in .*10\.0\.0\.1\/8/,
    );
    const config = makeConfig({ mode: 'enforce' });
    config.response.allowList = ['10.0.0.1/8'];

    // Act & assert
    expect(() => triage({}, config)).toThrow(InvalidInputError);
    expect(() => triage({}, config)).toThrow('allowList[0]');
  });

  describe('properties', () => {
    const anyAddress = fc.oneof(
      publicV4,
      publicV6,
      specialV4.map((s) => s.text),
      specialV6.map((s) => s.text),
    );
    const findingOptions = fc.record({
      type: fc.constantFrom(
        'UnauthorizedAccess:EC2/SSHBruteForce',
        'UnauthorizedAccess:EC2/RDPBruteForce',
        'Recon:EC2/PortProbeUnprotectedPort',
        'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
        'Backdoor:EC2/C&CActivity.B',
        'Recon:EC2/Portscan',
        'Stealth:IAMUser/CloudTrailLoggingDisabled',
        'Trojan:EC2/DNSDataExfiltration!DNS',
      ),
      severity: fc.integer({ min: 10, max: 100 }).map((n) => n / 10),
      resourceRole: fc.constantFrom('TARGET', 'ACTOR' as const),
      direction: fc.constantFrom('INBOUND', 'OUTBOUND', 'UNKNOWN' as const),
      archived: fc.boolean(),
      sample: fc.constantFrom(false, true, 'value' as const),
      remoteIp: anyAddress,
      portProbes: fc.array(
        anyAddress.map((remoteIp) => makePortProbe({ remoteIp })),
        { minLength: 1, maxLength: 20 },
      ),
    });
    const responseConfig = fc
      .record({
        mode: fc.constantFrom('enforce', 'dry-run' as const),
        killSwitch: fc.boolean(),
        blockEverything: fc.boolean(),
      })
      .map(({ blockEverything, ...rest }) =>
        makeConfig({
          ...rest,
          allowList: ['198.51.100.0/28'],
          ownCidrs: ['52.94.0.0/16'],
          ...(blockEverything ? { policy: BLOCK_EVERYTHING } : {}),
        }),
      );

    const blocks = (r: TriageResult) =>
      r.addresses.some((a) => a.action === 'BLOCK' || a.action === 'APPROVAL');
    const decidesBlock = (r: TriageResult) =>
      r.decision === 'BLOCK_AUTO' || r.decision === 'BLOCK_WITH_APPROVAL';

    it('never blocks for a finding whose instance is the actor', () => {
      fc.assert(
        fc.property(findingOptions, responseConfig, (options, config) => {
          const result = triage({ ...options, resourceRole: 'ACTOR' }, config);
          expect(blocks(result) || decidesBlock(result)).toBe(false);
        }),
        { numRuns: 300 },
      );
    });

    it('never blocks with the kill switch on', () => {
      fc.assert(
        fc.property(findingOptions, responseConfig, (options, config) => {
          const result = triage(options, { response: { ...config.response, killSwitch: true } });
          expect(blocks(result) || decidesBlock(result)).toBe(false);
        }),
        { numRuns: 300 },
      );
    });

    it('never blocks an address the never-block guard refuses, and blocks only when it decides to', () => {
      fc.assert(
        fc.property(findingOptions, responseConfig, (options, config) => {
          // Act
          const result = triage(options, config);

          // Assert
          for (const a of result.addresses.filter((x) => x.action === 'BLOCK' || x.action === 'APPROVAL')) {
            expect(
              neverBlockReason(a.address, {
                ...config.response,
                instanceAddresses: result.instanceAddresses,
              }),
            ).toBeNull();
            expect(a.action === 'BLOCK' ? 'BLOCK_AUTO' : 'BLOCK_WITH_APPROVAL').toBe(result.decision);
          }
          expect(decidesBlock(result)).toBe(blocks(result));
          if (options.archived) expect(result.decision).toBe('IGNORE');
          if (options.sample) expect(result.dryRun).toBe(true);
        }),
        { numRuns: 500 },
      );
    });

    it('returns plain JSON', () => {
      fc.assert(
        fc.property(findingOptions, responseConfig, (options, config) => {
          const result = triage(options, config);
          expect(JSON.parse(JSON.stringify(result))).toEqual(result);
        }),
        { numRuns: 200 },
      );
    });
  });
});
