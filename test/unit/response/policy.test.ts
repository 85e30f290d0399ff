import fc from 'fast-check';
import { DEFAULT_POLICY, type PolicyRule } from '../../../config/schema';
import { type Finding, parseFindingEvent } from '../../../tasks/response/finding';
import {
  evaluatePolicy,
  matchesGlob,
  NO_MATCHING_RULE,
  ruleMatches,
  severityBand,
} from '../../../tasks/response/policy';
import { ACCOUNT_ID, type FindingOptions, makeFindingEvent } from '../../fixtures/findings';

const finding = (options: FindingOptions = {}): Finding =>
  parseFindingEvent(makeFindingEvent(options)).detail;

describe('severityBand', () => {
  it.each([
    [0, 'LOW'],
    [1.0, 'LOW'],
    [3.9, 'LOW'],
    [3.95, 'LOW'],
    [3.99999, 'LOW'],
    [4.0, 'MEDIUM'],
    [6.9, 'MEDIUM'],
    [6.95, 'MEDIUM'],
    [7.0, 'HIGH'],
    [8.9, 'HIGH'],
    [8.95, 'HIGH'],
    [9.0, 'CRITICAL'],
    [10, 'CRITICAL'],
  ])('puts %d in %s', (severity, band) => {
    expect(severityBand(severity)).toBe(band);
  });

  it('never puts a higher severity in a lower band', () => {
    const order = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (a, b) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          expect(order.indexOf(severityBand(low))).toBeLessThanOrEqual(order.indexOf(severityBand(high)));
        },
      ),
    );
  });
});

describe('matchesGlob', () => {
  it.each([
    ['Backdoor:EC2/*', 'Backdoor:EC2/C&CActivity.B!DNS', true],
    ['Backdoor:EC2/*', 'Backdoor:Runtime/C&CActivity.B', false],
    ['*', 'anything:at/all', true],
    ['*:EC2/*', 'Recon:EC2/Portscan', true],
    ['Recon:EC2/Portscan', 'Recon:EC2/Portscan', true],
    ['Recon:EC2/Portscan', 'recon:ec2/portscan', false],
    ['Recon:EC2/Port*', 'Recon:EC2/PortProbeUnprotectedPort', true],
    ['*Probe*Port', 'Recon:EC2/PortProbeEMRUnprotectedPort', true],
    ['a*a', 'a', false],
    ['UnauthorizedAccess:EC2/MaliciousIPCaller.*', 'UnauthorizedAccess:EC2/MaliciousIPCallerXCustom', false],
    ['.*', 'Recon:EC2/Portscan', false],
  ])('%s against %s is %s', (pattern, value, expected) => {
    expect(matchesGlob(pattern, value)).toBe(expected);
  });

  it('agrees with an anchored regular expression for every pattern', () => {
    const alphabet = fc.constantFrom('a', 'b', ':', '/', '.');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(alphabet, fc.constant('*')), { maxLength: 8 }).map((c) => c.join('')),
        fc.array(alphabet, { maxLength: 12 }).map((c) => c.join('')),
        (pattern, value) => {
          const regex = new RegExp(
            `^${pattern
              .split('*')
              .map((p) => p.replace(/[.]/g, '\\.'))
              .join('.*')}$`,
          );
          expect(matchesGlob(pattern, value)).toBe(regex.test(value));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('answers quickly for a pattern full of stars', () => {
    // Arrange
    const pattern = `${'a*'.repeat(100)}b`;
    const value = 'a'.repeat(200);
    const started = Date.now();

    // Act
    const matched = matchesGlob(pattern, value);

    // Assert
    expect(matched).toBe(false);
    expect(Date.now() - started).toBeLessThan(50);
  });
});

describe('ruleMatches', () => {
  const rule = (overrides: Partial<PolicyRule>): PolicyRule => ({
    name: 'r',
    action: 'NOTIFY',
    ...overrides,
  });

  it('matches every finding when the rule sets no condition', () => {
    expect(ruleMatches(rule({}), finding())).toBe(true);
  });

  it('requires every tag of the rule with its value', () => {
    // Arrange
    const tagged = finding({ tags: { env: 'prod', team: 'web' } });

    // Act & assert
    expect(ruleMatches(rule({ tags: { env: 'prod' } }), tagged)).toBe(true);
    expect(ruleMatches(rule({ tags: { env: 'prod', team: 'web' } }), tagged)).toBe(true);
    expect(ruleMatches(rule({ tags: { env: 'prod', team: 'db' } }), tagged)).toBe(false);
    expect(ruleMatches(rule({ tags: { owner: 'x' } }), tagged)).toBe(false);
  });

  it('does not match a tag rule for a finding without instance tags', () => {
    expect(ruleMatches(rule({ tags: { env: 'prod' } }), finding({ tags: {} }))).toBe(false);
  });

  it('matches by account', () => {
    expect(ruleMatches(rule({ accounts: [ACCOUNT_ID] }), finding())).toBe(true);
    expect(ruleMatches(rule({ accounts: ['444455556666'] }), finding())).toBe(false);
  });

  it('matches by organizational unit only when the context names one', () => {
    // Arrange
    const ouRule = rule({ organizationalUnits: ['ou-ab12-cdef3456'] });

    // Act & assert
    expect(ruleMatches(ouRule, finding(), { organizationalUnitId: 'ou-ab12-cdef3456' })).toBe(true);
    expect(ruleMatches(ouRule, finding(), { organizationalUnitId: 'ou-ab12-00000000' })).toBe(false);
    expect(ruleMatches(ouRule, finding(), {})).toBe(false);
  });

  it('matches by resource role', () => {
    expect(ruleMatches(rule({ resourceRole: 'ACTOR' }), finding({ resourceRole: 'ACTOR' }))).toBe(true);
    expect(ruleMatches(rule({ resourceRole: 'ACTOR' }), finding({ resourceRole: 'TARGET' }))).toBe(false);
  });

  it('matches by severity band', () => {
    expect(ruleMatches(rule({ severities: ['HIGH', 'CRITICAL'] }), finding({ severity: 7 }))).toBe(true);
    expect(ruleMatches(rule({ severities: ['HIGH', 'CRITICAL'] }), finding({ severity: 6.9 }))).toBe(false);
  });
});

describe('evaluatePolicy', () => {
  it('lets the first matching rule decide', () => {
    // Arrange
    const policy: PolicyRule[] = [
      { name: 'first', types: ['Recon:*'], action: 'NOTIFY', category: 'INSTANCE_PORT_SCANNING' },
      { name: 'second', types: ['Recon:EC2/Portscan'], action: 'BLOCK_AUTO' },
    ];

    // Act
    const decision = evaluatePolicy(finding({ type: 'Recon:EC2/Portscan' }), policy);

    // Assert
    expect(decision).toEqual({ action: 'NOTIFY', rule: 'first', category: 'INSTANCE_PORT_SCANNING' });
  });

  it('ignores a finding no rule matches', () => {
    // Act
    const decision = evaluatePolicy(finding(), [
      { name: 'only prod', tags: { env: 'prod' }, action: 'BLOCK_AUTO' },
    ]);

    // Assert
    expect(decision).toEqual({ action: 'IGNORE', rule: NO_MATCHING_RULE, category: 'FINDING' });
  });

  it('uses the FINDING category when the rule names none', () => {
    expect(evaluatePolicy(finding(), [{ name: 'all', action: 'NOTIFY' }]).category).toBe('FINDING');
  });

  describe('with the default policy', () => {
    it.each<[string, FindingOptions, string, string]>([
      [
        'SSH brute force against us',
        { type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 2 },
        'BLOCK_WITH_APPROVAL',
        'FINDING',
      ],
      [
        'RDP brute force against us',
        { type: 'UnauthorizedAccess:EC2/RDPBruteForce', severity: 2 },
        'BLOCK_WITH_APPROVAL',
        'FINDING',
      ],
      [
        'a low port probe',
        { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 2 },
        'BLOCK_WITH_APPROVAL',
        'FINDING',
      ],
      [
        'a high port probe',
        { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 8 },
        'BLOCK_AUTO',
        'FINDING',
      ],
      [
        'a critical EMR port probe',
        { type: 'Recon:EC2/PortProbeEMRUnprotectedPort', severity: 9 },
        'BLOCK_AUTO',
        'FINDING',
      ],
      [
        'a custom threat list caller',
        { type: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom', severity: 5 },
        'BLOCK_WITH_APPROVAL',
        'FINDING',
      ],
      [
        'our instance brute-forcing others',
        { type: 'UnauthorizedAccess:EC2/SSHBruteForce', resourceRole: 'ACTOR' },
        'NOTIFY',
        'FINDING',
      ],
      ['a backdoor', { type: 'Backdoor:EC2/C&CActivity.B!DNS', severity: 8 }, 'NOTIFY', 'FINDING'],
      ['crypto mining', { type: 'CryptoCurrency:EC2/BitcoinTool.B', severity: 8 }, 'NOTIFY', 'FINDING'],
      ['a trojan', { type: 'Trojan:EC2/DGADomainRequest.C!DNS', severity: 8 }, 'NOTIFY', 'FINDING'],
      [
        'our instance port-scanning',
        { type: 'Recon:EC2/Portscan', severity: 5, resourceRole: 'ACTOR' },
        'NOTIFY',
        'INSTANCE_PORT_SCANNING',
      ],
      [
        'unusual traffic',
        { type: 'Behavior:EC2/TrafficVolumeUnusual', severity: 5 },
        'NOTIFY',
        'UNUSUAL_TRAFFIC_VOLUME',
      ],
      [
        'CloudTrail logging disabled',
        { type: 'Stealth:IAMUser/CloudTrailLoggingDisabled', severity: 2 },
        'NOTIFY',
        'CLOUDTRAIL_LOGGING_DISABLED',
      ],
      [
        'a password policy change',
        { type: 'Stealth:IAMUser/PasswordPolicyChange', severity: 2 },
        'NOTIFY',
        'PASSWORD_POLICY_CHANGED',
      ],
      [
        'root credential use at low severity',
        { type: 'Policy:IAMUser/RootCredentialUsage', severity: 2 },
        'NOTIFY',
        'ROOT_CREDENTIAL_USAGE',
      ],
      [
        'root credential use at high severity',
        { type: 'Policy:IAMUser/RootCredentialUsage', severity: 8 },
        'NOTIFY',
        'ROOT_CREDENTIAL_USAGE',
      ],
      [
        'another medium finding',
        { type: 'Discovery:S3/BucketEnumeration.Unusual', severity: 5 },
        'NOTIFY',
        'FINDING',
      ],
      ['another low finding', { type: 'Recon:IAMUser/MaliciousIPCaller', severity: 2 }, 'IGNORE', 'FINDING'],
    ])('answers %s with %s', (_what, options, action, category) => {
      // Act
      const decision = evaluatePolicy(finding(options), DEFAULT_POLICY);

      // Assert
      expect(decision).toMatchObject({ action, category });
    });
  });
});
