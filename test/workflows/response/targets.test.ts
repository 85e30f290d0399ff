import { makePortProbe } from '../../fixtures/findings';
import {
  addEntryByHand,
  blockedPortProbe,
  PORT_PROBE,
  type ResponseHarness,
  startResponseHarness,
  story,
} from './harness';

function denyEntries(h: ResponseHarness, naclId: string) {
  return h.warden.world.services.ec2
    .entries(naclId)
    .filter((e) => e.RuleAction === 'deny' && !e.Egress && e.RuleNumber! <= 90);
}

describe('response workflow: which NACLs and addresses', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it('blocks in the NACL of each subnet of a multi-interface instance', async () => {
    h = await startResponseHarness({ subnets: 2 });
    const intake = await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.40' });
    await h.advance(0);

    expect(h.network.naclIds).toHaveLength(2);
    for (const nacl of h.network.naclIds)
      expect(denyEntries(h, nacl).map((e) => e.CidrBlock)).toEqual(['203.0.113.40/32']);
    expect(h.warden.runtime.describe(intake.executionArn!).status).toBe('RUNNING');
  });

  it('adds one entry to a NACL that two subnets share', async () => {
    h = await startResponseHarness({ subnets: 2, sharedNacl: true });
    await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.41' });
    await h.advance(0);

    expect(h.network.naclIds).toHaveLength(1);
    expect(denyEntries(h, h.network.naclIds[0]!)).toHaveLength(1);
    expect(h.warden.world.cloud.count({ service: 'ec2', operation: 'CreateNetworkAclEntry' })).toBe(1);
  });

  it('blocks every public IPv4 and IPv6 address of a port probe and skips private ones', async () => {
    h = await startResponseHarness();
    await h.deliver({
      ...PORT_PROBE,
      portProbes: [
        makePortProbe({ remoteIp: '203.0.113.50' }),
        makePortProbe({ remoteIp: '10.1.2.3' }),
        makePortProbe({ remoteIp: '2001:db8::50' }),
      ],
    });
    await h.advance(0);

    const blocked = denyEntries(h, h.network.naclIds[0]!).map((e) => e.CidrBlock ?? e.Ipv6CidrBlock);
    expect(blocked.sort()).toEqual(['2001:db8::50/128', '203.0.113.50/32']);
  });

  it.each([
    ['an ACTOR finding (our instance attacks)', { resourceRole: 'ACTOR' as const, remoteIp: '203.0.113.60' }],
    ['a private address', { remoteIp: '192.168.1.1' }],
    ['loopback', { remoteIp: '127.0.0.1' }],
    ['link-local', { remoteIp: '169.254.169.254' }],
    ['CGNAT', { remoteIp: '100.64.1.1' }],
    ['multicast', { remoteIp: '224.0.0.5' }],
    ['an IPv6 unique-local address', { remoteIp: 'fd00::1' }],
    ['an IPv6 link-local address', { remoteIp: 'fe80::1' }],
    ['an IPv4-mapped private address', { remoteIp: '::ffff:10.0.0.1' }],
    ['the instance’s own VPC range', { remoteIp: '10.0.1.99' }],
    ['an allow-listed address', { remoteIp: '198.51.100.77' }],
    [
      'an API-call finding',
      {
        type: 'UnauthorizedAccess:IAMUser/MaliciousIPCaller',
        actionType: 'AWS_API_CALL' as const,
        remoteIp: '203.0.113.61',
      },
    ],
    [
      'a DNS finding',
      {
        type: 'Trojan:EC2/DNSDataExfiltration',
        actionType: 'DNS_REQUEST' as const,
        remoteIp: '203.0.113.62',
      },
    ],
    [
      'a Kubernetes finding',
      {
        type: 'Execution:Kubernetes/ExecInKubeSystemPod',
        actionType: 'KUBERNETES_API_CALL' as const,
        remoteIp: '203.0.113.63',
      },
    ],
  ])('never blocks %s', async (_name, finding) => {
    h = await startResponseHarness({
      response: { allowList: ['198.51.100.0/24'], ownCidrs: ['10.0.0.0/16'] },
    });
    const intake = await h.deliver({ ...PORT_PROBE, ...finding });
    await h.advance(0);
    await h.warden.runtime.waitFor(intake.executionArn!);

    expect(h.warden.world.cloud.count({ service: 'ec2', mutating: true })).toBe(0);
    expect(story(h.warden, intake.executionArn!)).not.toContain('Block the addresses in the network ACLs');
  });

  it('records an entry someone removed by hand before expiry, without failing', async () => {
    h = await startResponseHarness();
    const { executionArn, naclId, deny } = await blockedPortProbe(h, '203.0.113.70');
    h.warden.world.services.ec2.removeEntryByHand(naclId, deny.RuleNumber!);

    await h.advance(61);
    const record = await h.warden.runtime.waitFor(executionArn);

    expect(record.status).toBe('SUCCEEDED');
    expect(JSON.parse(record.output!).block.lifted[0].outcome).toBe('REMOVED_BY_HAND');
    expect(h.warden.world.cloud.count({ service: 'ec2', operation: 'DeleteNetworkAclEntry' })).toBe(0);
  });

  it('leaves alone an entry that is no longer Warden’s at that rule number', async () => {
    h = await startResponseHarness();
    const { executionArn, naclId, deny } = await blockedPortProbe(h, '203.0.113.71');
    addEntryByHand(
      h,
      {
        ruleNumber: deny.RuleNumber!,
        cidr: '192.0.2.0/24',
        action: 'allow',
        protocol: '6',
        ports: { From: 443, To: 443 },
      },
      { replacing: true },
    );

    await h.advance(61);
    const record = await h.warden.runtime.waitFor(executionArn);

    expect(JSON.parse(record.output!).block.lifted[0].outcome).toBe('NOT_WARDENS_ENTRY');
    expect(h.warden.world.services.ec2.entries(naclId).some((e) => e.CidrBlock === '192.0.2.0/24')).toBe(
      true,
    );
  });
});
