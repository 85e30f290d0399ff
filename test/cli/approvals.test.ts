import { runApprovals } from '../../cli/commands/approvals';
import { parseConfig } from '../../config/load';
import { ManualClock } from '../../runtime/clock';
import { startHttpServer, type WardenHttpServer } from '../../runtime/http-server';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import { ApprovalStore } from '../../tasks/approval/store';
import { runCli } from '../fixtures/cli-run';
import { makeApprovalRequest } from '../unit/approval/fixtures';

/** `warden approvals` lists the running Warden's pending approvals with their links. */
const config = parseConfig({
  organization: {
    managementAccountId: '111111111111',
    securityAccountId: '222222222222',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1'],
  },
  response: {},
  approvals: { localApprovers: ['alice'] },
});

describe('warden approvals', () => {
  let warden: LocalWarden;
  let server: WardenHttpServer;

  beforeAll(async () => {
    warden = await startLocalWarden({
      config,
      clock: new ManualClock(Date.parse('2026-01-01T00:00:00Z')),
      members: [],
      workflows: [],
    });
    server = await startHttpServer({ warden });
  });
  afterAll(async () => {
    await server.close();
    await warden.stop();
  });

  it('says when nothing is pending', async () => {
    const lines: string[] = [];

    await runApprovals({ endpoint: server.url }, (l) => lines.push(l));

    expect(lines).toEqual(['No approval is pending.']);
  });

  it('lists each pending approval with the link to its page, and never its task token', async () => {
    const store = ApprovalStore.fromDeps(warden.deps);
    const record = await store.create({ taskToken: 'secret-task-token', request: makeApprovalRequest() });

    const run = await runCli(['approvals', '--endpoint', server.url]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${server.url}/approvals/${record.pk}`);
    expect(run.stdout).toContain('UnauthorizedAccess:EC2/SSHBruteForce');
    expect(run.stdout).toContain('198.51.100.7/32');
    expect(run.stdout).toContain('1 pending; sign in at');
    expect(run.stdout).not.toContain('secret-task-token');
  });

  it('refuses --region with a usage error, since AWS approvals arrive as notifications', async () => {
    const run = await runCli(['approvals', '--region', 'eu-west-1']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('approvals reads a running local Warden');
  });
});
