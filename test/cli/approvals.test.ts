import { runApprovals } from '../../cli/commands/approvals';
import { ManualClock } from '../../runtime/clock';
import type { WardenHttpServer } from '../../runtime/http-server';
import type { LocalWarden } from '../../runtime/local-warden';
import { ApprovalStore } from '../../tasks/approval/store';
import { runCli } from '../fixtures/cli-run';
import { exampleConfig, type ServedWarden, startServedWarden } from '../fixtures/served-warden';
import { makeApprovalRequest } from '../unit/approval/fixtures';

/** `warden approvals` lists the running Warden's pending approvals with their links. */
const config = exampleConfig({ response: {}, approvals: { localApprovers: ['alice'] } });

describe('warden approvals', () => {
  let served: ServedWarden;
  let warden: LocalWarden;
  let server: WardenHttpServer;

  beforeAll(async () => {
    served = await startServedWarden({
      config,
      clock: new ManualClock(Date.parse('2026-01-01T00:00:00Z')),
      members: [],
      workflows: [],
    });
    ({ warden, server } = served);
  });
  afterAll(() => served?.stop());

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
