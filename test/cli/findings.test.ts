import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { findingCriteria, readOrganizationFindings } from '../../audit/findings/read-findings';
import { writeRuntimeInfo } from '../../cli/audit/sources/runtime-info';
import type { FindingsViewResult } from '../../cli/findings/view';
import { NOTHING_RUNNING } from '../../cli/target/local-endpoint';
import { parseConfig } from '../../config/load';
import { startHttpServer, type WardenHttpServer } from '../../runtime/http-server';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { AWS_TEST_REGIONS, useAwsEndpoints } from '../fixtures/aws-target';
import { REGION, SECURITY, startOneMemberDeployment } from '../fixtures/deployed-warden';
import { exampleOrganization } from '../fixtures/example-organization';
import { DEMO_FINDINGS, DEMO_MEMBERS, type FindingsDemo, startFindingsDemo } from '../fixtures/findings-demo';
import { runCli } from './run-cli';

/**
 * `warden findings` against a running local Warden (found from its data folder's runtime.json)
 * whose sandbox organisation holds known findings (DEMO_FINDINGS): the counts below are computed
 * from that list, not from the view.
 */
const band = (s: number) => (s >= 9 ? 'CRITICAL' : s >= 7 ? 'HIGH' : s >= 4 ? 'MEDIUM' : 'LOW');
const countBy = <T>(items: readonly T[], key: (t: T) => string) => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

describe('warden findings', () => {
  let dir: string;
  let config: string;
  const regions = ['eu-west-1', 'us-east-1'];
  const members = demoMembers(DEMO_MEMBERS).map((m) => m.id);

  let demo: FindingsDemo;
  let server: WardenHttpServer;
  /** `warden findings ARGS…` with the test's config, against the running demo Warden. */
  const findings = (args: string[]) => runCli(['findings', ...args, '--config', config, '--data-dir', dir]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-cli-findings-'));
    config = join(dir, 'warden.config.json');
    const input = {
      organization: exampleOrganization(regions),
      response: { mode: 'enforce', allowList: ['198.51.100.0/24'] },
    };
    writeFileSync(config, JSON.stringify(input));
    demo = await startFindingsDemo(parseConfig(input));
    server = await startHttpServer({ warden: demo.warden });
    writeRuntimeInfo({ sfnEndpoint: server.url }, dir);
  });
  afterAll(async () => {
    await server.close();
    await demo.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts the organisation’s findings by severity, type, account and region', async () => {
    // Act
    const { code, stdout } = await findings(['--json']);

    // Assert
    expect(code).toBe(0);
    const view = JSON.parse(stdout) as FindingsViewResult;
    expect(view.total).toBe(DEMO_FINDINGS.length);
    expect(view.bySeverity).toEqual(countBy(DEMO_FINDINGS, (f) => band(f.severity)));
    expect(view.byType).toEqual(countBy(DEMO_FINDINGS, (f) => f.type));
    expect(view.byAccount).toEqual(countBy(DEMO_FINDINGS, (f) => members[f.account]!));
    expect(view.byRegion).toEqual(countBy(DEMO_FINDINGS, (f) => regions[f.region]!));
    expect(view.source.regions).toEqual(regions);
    // One page per region: at most 50 ids per ListFindings and per GetFindings.
    expect(view.source.getCalls).toBe(2);
    expect(view.unreadable.count).toBe(0);
  }, 60_000);

  it('shows the top attackers with what Warden did about each', async () => {
    // Act
    const { stdout } = await findings(['--json']);

    // Assert
    const view = JSON.parse(stdout) as FindingsViewResult;
    const byCidr = Object.fromEntries(view.topAttackers.map((a) => [a.cidr, a]));
    expect(view.topAttackers[0]).toMatchObject({ cidr: '203.0.113.50/32', findings: 3, warden: 'BLOCKED' });
    expect(view.topAttackers[0]!.accounts).toEqual(members);
    expect(byCidr['192.0.2.44/32']).toMatchObject({ findings: 2, warden: 'APPROVAL_PENDING' });
    expect(byCidr['10.20.30.40/32']).toMatchObject({
      warden: 'NOTHING',
      policyAction: 'NONE',
      policyReason: 'PRIVATE',
    });
    expect(byCidr['203.0.113.77/32']).toMatchObject({
      policyAction: 'NOTIFY',
      policyReason: 'RESOURCE_IS_ACTOR',
    });
    expect(byCidr['2001:db8::bad/128']).toMatchObject({ policyAction: 'APPROVAL', warden: 'NOTHING' });
  }, 60_000);

  it('filters by severity, account, type glob and time', async () => {
    // Act
    const high = JSON.parse((await findings(['--json', '--severity', 'high'])).stdout) as FindingsViewResult;
    const account = JSON.parse(
      (await findings(['--json', '--account', members[1]!, '--type', 'Recon:EC2/*'])).stdout,
    ) as FindingsViewResult;
    const future = JSON.parse(
      (await findings(['--json', '--since', '2099-01-01T00:00:00Z'])).stdout,
    ) as FindingsViewResult;

    // Assert
    expect(high.total).toBe(DEMO_FINDINGS.filter((f) => f.severity >= 7).length);
    expect(account.total).toBe(
      DEMO_FINDINGS.filter((f) => f.account === 1 && f.type.startsWith('Recon:EC2/')).length,
    );
    expect(future.total).toBe(0);
  }, 60_000);

  it('prints tables by default', async () => {
    // Act
    const { code, stdout } = await findings(['--top', '3']);

    // Assert
    expect(code).toBe(0);
    expect(stdout).toContain(
      `${DEMO_FINDINGS.length} finding(s) from the local runtime at ${server.url} (administrator 222222222222)`,
    );
    expect(stdout).toMatch(/^203\.0\.113\.50\/32\s+3\s+3\s+BLOCKED\s+blocked in acl-/m);
    expect(stdout.split('Top attacker addresses\n')[1]!.trim().split('\n')).toHaveLength(2 + 3);
  }, 60_000);

  it.each([
    [
      ['--severity', 'severe'],
      /^warden: --severity must be one of LOW, MEDIUM, HIGH, CRITICAL, got severe\n$/,
    ],
    [
      ['--since', 'yesterday'],
      /^warden: --since must be a duration such as 7d, 12h or 30m, or an ISO time, got yesterday\n$/,
    ],
    [['--account', '42'], /^warden: --account must be a 12-digit account id, got 42\n$/],
    [['--type', 'nonsense'], /^warden: --type must be a finding type or glob/],
    [['--top', '0'], /^warden: --top must be a whole number from 1 to 1000, got 0\n$/],
    [['--region', 'mars'], /^warden: --region must be an AWS region such as eu-west-1, got mars\n$/],
    [['--ledger-table', 'warden-ledger'], /^warden: --ledger-table and --approvals-table read AWS/],
    [['--bogus'], /^error: unknown option '--bogus'\n$/],
  ])('fails on %j with one line and no stack trace', async (args, message) => {
    // Act
    const { code, stderr, stdout } = await findings(args);

    // Assert
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('warden findings with no Warden to read', () => {
  it('says nothing is running, in one line, when the data folder has no runtime.json', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'warden-cli-findings-none-'));
    try {
      const run = await runCli(['findings', '--data-dir', empty]);

      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`warden: ${NOTHING_RUNNING}\n`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('reads the tables from the security stack in the home region, and says so when it is not deployed', async () => {
    // GuardDuty aimed at a closed loopback port: nothing may be asked before the stack is found.
    const restore = useAwsEndpoints({ guardduty: 'http://127.0.0.1:9' });
    try {
      const run = await runCli(['findings', '--region', AWS_TEST_REGIONS.findings]);

      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        "warden: no stack WardenSecurity in eu-west-1: deploy Warden first, or give the region of its security stack (the config's homeRegion)\n",
      );
    } finally {
      restore();
    }
  });
});

describe('findingCriteria', () => {
  it('asks GuardDuty for unarchived findings by default and leaves type globs to the view', () => {
    expect(findingCriteria({ types: ['Recon:EC2/*', 'Backdoor:EC2/C&CActivity.B'] })).toEqual({
      'service.archived': { Equals: ['false'] },
    });
  });

  it('turns the filters into GuardDuty criteria', () => {
    expect(
      findingCriteria({
        since: new Date('2026-03-01T00:00:00Z'),
        minSeverity: 'HIGH',
        accounts: ['300000000001'],
        types: ['Recon:EC2/Portscan'],
        includeArchived: true,
      }),
    ).toEqual({
      updatedAt: { GreaterThanOrEqual: Date.parse('2026-03-01T00:00:00Z') },
      severity: { GreaterThanOrEqual: 7 },
      accountId: { Equals: ['300000000001'] },
      type: { Equals: ['Recon:EC2/Portscan'] },
    });
  });
});

describe('readOrganizationFindings', () => {
  it('pages through ListFindings and fetches at most 50 ids per GetFindings, members included', async () => {
    // Arrange: the deployed Warden's administrator with its one member holding 120 findings
    const MEMBER = '333333333333';
    const warden = await startOneMemberDeployment({ workflows: ['response'] });
    try {
      const guardduty = warden.world.services.guardduty;
      guardduty.setRelationship(SECURITY, MEMBER, REGION, 'Enabled');
      for (let i = 0; i < 120; i++) guardduty.addFinding(MEMBER, REGION, { Severity: 1 + (i % 9) });
      const client = warden.deps.clients.client(GuardDutyClient, { account: SECURITY, region: REGION });
      const pages: number[] = [];

      // Act
      const calls = await readOrganizationFindings(client, { minSeverity: 'MEDIUM' }, (page) => {
        pages.push(page.length);
      });

      // Assert: severities cycle 1–9, so 13 full cycles of six at MEDIUM or above
      expect(pages.reduce((a, b) => a + b, 0)).toBe(78);
      expect(pages).toEqual([50, 28]);
      expect(calls).toMatchObject({ listCalls: 2, getCalls: 2 });
    } finally {
      await warden.stop();
    }
  });
});
