import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NACLS_AT_RUN_TIME } from '../../cli/triage/report';
import { EXAMPLE_ORGANIZATION } from '../fixtures/example-organization';
import { INSTANCE_ID, makeFindingEvent, makePortProbe, SUBNET_ID, VPC_ID } from '../fixtures/findings';
import { runCli } from './run-cli';

/** `warden triage` and `warden replay`, run as a user would, in process. */
const ROOT = join(__dirname, '..', '..');

describe('warden triage', () => {
  let dir: string;
  let config: string;
  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-triage-'));
    config = write('warden.config.json', {
      organization: EXAMPLE_ORGANIZATION,
      response: { mode: 'enforce', allowList: ['192.0.2.0/24'] },
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the decision, each address with its action, subnets and reason, and the targets', async () => {
    // Arrange: a high-severity probe from one public, one private and one allow-listed address
    const event = write(
      'probe.json',
      makeFindingEvent({
        id: 'probe-1',
        type: 'Recon:EC2/PortProbeUnprotectedPort',
        severity: 8.5,
        portProbes: [
          makePortProbe({ remoteIp: '203.0.113.9' }),
          makePortProbe({ remoteIp: '10.9.8.7' }),
          makePortProbe({ remoteIp: '192.0.2.5' }),
        ],
      }),
    );

    // Act
    const { code, stdout, stderr } = await runCli(['triage', event, '--config', config]);

    // Assert
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const report = JSON.parse(stdout);
    expect(report.findingId).toBe('probe-1');
    expect(report.decision).toBe('BLOCK_AUTO');
    expect(report.reason).toBe('POLICY');
    expect(report.rule).toBe('high-severity port probe of an unprotected port');
    expect(report.severityBand).toBe('HIGH');
    expect(report.instanceId).toBe(INSTANCE_ID);
    expect(report.dryRun).toBe(false);
    expect(report.addresses).toEqual([
      {
        address: '203.0.113.9',
        cidr: '203.0.113.9/32',
        action: 'BLOCK',
        reason: 'POLICY_BLOCK_AUTO',
        source: 'PORT_PROBE',
        subnets: [SUBNET_ID],
      },
      {
        address: '10.9.8.7',
        cidr: '10.9.8.7/32',
        action: 'NONE',
        reason: 'PRIVATE',
        source: 'PORT_PROBE',
        subnets: [],
      },
      {
        address: '192.0.2.5',
        cidr: '192.0.2.5/32',
        action: 'NONE',
        reason: 'ALLOW_LISTED',
        source: 'PORT_PROBE',
        subnets: [],
      },
    ]);
    expect(report.targets).toEqual([
      { subnetId: SUBNET_ID, vpcId: VPC_ID, networkInterfaceIds: ['eni-0123456789abcdef0'] },
    ]);
    expect(report.nacls).toBe(NACLS_AT_RUN_TIME);
  });

  it('says when the instance itself is the attacker', async () => {
    // Arrange
    const event = write(
      'actor.json',
      makeFindingEvent({ resourceRole: 'ACTOR', remoteIp: '203.0.113.9', severity: 5 }),
    );

    // Act
    const { code, stdout } = await runCli(['triage', event, '--config', config]);

    // Assert
    const report = JSON.parse(stdout);
    expect(code).toBe(0);
    expect(report.decision).toBe('NOTIFY');
    expect(report.recommendation).toBe('ISOLATE_INSTANCE');
    expect(report.addresses[0]).toMatchObject({ action: 'NOTIFY', reason: 'RESOURCE_IS_ACTOR', subnets: [] });
  });

  it('fails with one line naming the bad field of a malformed event', async () => {
    // Arrange
    const bad = makeFindingEvent();
    (bad.detail as { accountId: string }).accountId = 'not-an-account';
    const event = write('bad.json', bad);

    // Act
    const { code, stdout, stderr } = await runCli(['triage', event, '--config', config]);

    // Assert
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `warden: ${event}: invalid GuardDuty finding event: detail.accountId: must be a 12-digit account id\n`,
    );
  });

  it.each([
    [
      'a missing file',
      () => ['triage', join(dir, 'missing.json')],
      /^warden: cannot read .*missing\.json: no such file\n$/,
    ],
    ['a folder', () => ['triage', dir], /^warden: cannot read .*: it is a folder\n$/],
    [
      'text that is not JSON',
      () => ['triage', write('text.json', 'hello')],
      /^warden: .*text\.json is not valid JSON: /,
    ],
    ['no event argument', () => ['triage'], /^error: missing required argument 'event'\n$/],
    [
      'a missing config',
      () => ['triage', write('ok.json', makeFindingEvent()), '--config', join(dir, 'nope.json')],
      /^warden: config file .*nope\.json does not exist/,
    ],
  ])('fails on %s with one line and no stack trace', async (_name, args, message) => {
    // Act
    const { code, stderr } = await runCli([
      ...args(),
      ...(args().includes('--config') ? [] : ['--config', config]),
    ]);

    // Assert
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('reads the event from standard input with -', () => {
    // Act
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'warden.js'), 'triage', '-', '--config', config],
      {
        input: JSON.stringify(makeFindingEvent({ id: 'from-stdin', remoteIp: '203.0.113.200' })),
        encoding: 'utf8',
        cwd: ROOT,
      },
    );

    // Assert
    expect(run.stderr).not.toMatch(/warden:/);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.findingId).toBe('from-stdin');
    expect(report.decision).toBe('BLOCK_WITH_APPROVAL');
    expect(report.addresses[0]).toMatchObject({
      cidr: '203.0.113.200/32',
      action: 'APPROVAL',
      subnets: [SUBNET_ID],
    });
  });
});

describe('warden replay', () => {
  let dir: string;
  let config: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-replay-'));
    config = join(dir, 'warden.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        organization: EXAMPLE_ORGANIZATION,
        response: { mode: 'enforce' },
        notifications: { disabled: ['CLOUDTRAIL_LOGGING_DISABLED'] },
      }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const events = [
    makeFindingEvent({ id: 'f1', remoteIp: '203.0.113.1' }),
    makeFindingEvent({
      id: 'f2',
      type: 'Recon:EC2/PortProbeUnprotectedPort',
      severity: 8,
      remoteIp: '203.0.113.2',
    }),
    makeFindingEvent({ id: 'f3', type: 'Stealth:IAMUser/CloudTrailLoggingDisabled' }),
    makeFindingEvent({ id: 'f4', type: 'Recon:IAMUser/UserPermissions', severity: 2 }),
  ];

  it('prints, with --json, one line per finding in the shape of warden triage', async () => {
    // Arrange
    const file = join(dir, 'findings.jsonl');
    writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const single = join(dir, 'f2.json');
    writeFileSync(single, JSON.stringify(events[1]));

    // Act
    const replayed = await runCli(['replay', file, '--json', '--config', config]);
    const triaged = await runCli(['triage', single, '--config', config]);

    // Assert
    expect(replayed.code).toBe(0);
    const lines = replayed.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.findingId, l.decision])).toEqual([
      ['f1', 'BLOCK_WITH_APPROVAL'],
      ['f2', 'BLOCK_AUTO'],
      ['f3', 'NOTIFY'],
      ['f4', 'IGNORE'],
    ]);
    expect(lines[1]).toEqual(JSON.parse(triaged.stdout));
    expect(replayed.stderr).toContain('block automatically   1');
  });

  it('prints the totals, with notifications switched off in config set apart', async () => {
    // Arrange
    const file = join(dir, 'mixed.jsonl');
    writeFileSync(file, [...events.map((e) => JSON.stringify(e)), '{oops'].join('\n'));

    // Act
    const { code, stdout, stderr } = await runCli([
      'replay',
      file,
      '--json',
      '--summary',
      '--config',
      config,
    ]);

    // Assert
    expect(code).toBe(0);
    const totals = JSON.parse(stdout);
    expect(totals.findings).toBe(4);
    expect(totals.decisions).toEqual({ IGNORE: 1, NOTIFY: 1, BLOCK_WITH_APPROVAL: 1, BLOCK_AUTO: 1 });
    expect(totals.notifications).toEqual({ APPROVAL_REQUESTED: 1, BLOCKED: 1 });
    expect(totals.notificationsSuppressed).toEqual({ CLOUDTRAIL_LOGGING_DISABLED: 1 });
    expect(totals.addresses.distinctWouldBlock).toBe(2);
    expect(totals.invalid.count).toBe(1);
    expect(stderr).toMatch(/^warden: line 5: not valid JSON: /);
  });

  it('prints a text line per finding and the totals by default, for a folder too', async () => {
    // Arrange
    const folder = join(dir, 'events');
    mkdirSync(folder);
    events.forEach((e, i) => {
      writeFileSync(join(folder, `${i}.json`), JSON.stringify(e));
    });

    // Act
    const { code, stdout } = await runCli(['replay', folder, '--config', config]);

    // Assert
    expect(code).toBe(0);
    expect(stdout).toMatch(/^1\.json\s+f2\s+BLOCK_AUTO .*203\.0\.113\.2\/32 BLOCK$/m);
    expect(stdout).toContain('Replayed 4 finding(s) from 4 file(s)');
    expect(stdout).toContain('distinct addresses that would be blocked   2');
  });

  it('reads a pretty-printed event, as warden triage takes it, as one finding', async () => {
    const file = join(dir, 'pretty.json');
    writeFileSync(file, JSON.stringify(events[1], null, 2));

    const { code, stdout } = await runCli(['replay', file, '--config', config]);

    expect(code).toBe(0);
    expect(stdout).toContain('Replayed 1 finding(s)');
  });

  it.each([
    ['an empty file', 'empty.jsonl', '', /holds no finding: it is empty/],
    [
      'a malformed file',
      'malformed.jsonl',
      'not json\n{also not\n',
      /holds no finding Warden can read \(2 invalid record/,
    ],
  ])('fails on %s with exit 1', async (_name, name, text, message) => {
    const file = join(dir, name);
    writeFileSync(file, text);

    const { code, stderr } = await runCli(['replay', file, '--config', config]);

    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });

  it('fails on a folder with no JSON file with exit 1', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'warden-no-json-'));
    writeFileSync(join(folder, 'notes.txt'), 'nothing here');

    const { code, stderr } = await runCli(['replay', folder, '--config', config]);

    expect(code).toBe(1);
    expect(stderr).toContain('holds no .json, .jsonl or .ndjson file');
  });

  it.each([
    [
      'a missing input',
      ['replay', '/nonexistent/findings.jsonl'],
      /^warden: cannot read \/nonexistent\/findings\.jsonl: no such file or folder\n$/,
    ],
    ['no input', ['replay'], /^error: missing required argument 'input'\n$/],
    ['an unknown option', ['replay', 'x', '--fast'], /^error: unknown option '--fast'\n$/],
  ])('fails on %s with one line and no stack trace', async (_name, args, message) => {
    // Act
    const { code, stderr } = await runCli([...args, '--config', config]);

    // Assert
    expect(code).not.toBe(0);
    expect(stderr).toMatch(message);
  });

  it('fails with one line when an allow-list entry in the config is not a network address', async () => {
    // Arrange
    const bad = join(dir, 'bad.config.json');
    writeFileSync(
      bad,
      JSON.stringify({
        organization: EXAMPLE_ORGANIZATION,
        response: { allowList: ['10.1.2.3/8'] },
      }),
    );

    // Act
    const { code, stderr } = await runCli(['replay', dir, '--config', bad]);

    // Assert
    expect(code).toBe(1);
    // Refused when the config is read (the schema reads CIDRs with the guard's parser), before any finding.
    expect(stderr).toMatch(/^warden: .*bad\.config\.json.*response\.allowList\.0: host bits must be zero/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});
