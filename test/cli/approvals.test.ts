import { runApprovals } from '../../cli/commands/approvals';
import { OUTPUTS } from '../../infra/outputs';
import { ManualClock } from '../../runtime/clock';
import type { WardenHttpServer } from '../../runtime/http-server';
import type { LocalWarden } from '../../runtime/local-warden';
import { ApprovalStore } from '../../tasks/approval/store';
import {
  AWS_TEST_REGIONS,
  deployStackOutputs,
  removeStackOutputs,
  useAwsEndpoints,
} from '../fixtures/aws-target';
import { runCli } from '../fixtures/cli-run';
import { exampleConfig, type ServedWarden, startServedWarden } from '../fixtures/served-warden';
import { makeApprovalRequest } from '../unit/approval/fixtures';

/** This file's own region for its stack in moto (see AWS_TEST_REGIONS). */
const STACK_REGION = AWS_TEST_REGIONS.approvals;

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

  describe('in AWS, found from the security stack’s outputs', () => {
    let restore: () => void;
    beforeAll(() => {
      restore = useAwsEndpoints({ dynamodb: warden.dynamo.endpoint });
    });
    afterAll(async () => {
      await removeStackOutputs(STACK_REGION);
      restore();
    });

    it('lists the pending approvals of the table the stack names, linked under its approval URL', async () => {
      const store = ApprovalStore.fromDeps(warden.deps);
      // The AWS path reads with the real time: an approval still open an hour from now.
      const record = await store.create({
        taskToken: 'another-secret-task-token',
        request: makeApprovalRequest({
          findingType: 'Recon:EC2/PortProbeUnprotectedPort',
          expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      });
      await deployStackOutputs(
        {
          [OUTPUTS.tableName('approvals')]: warden.deps.tables.approvals,
          [OUTPUTS.approvalBaseUrl]: 'https://approvals.example.com/approvals',
        },
        STACK_REGION,
      );

      const run = await runCli(['approvals', '--region', STACK_REGION]);

      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`https://approvals.example.com/approvals/${record.pk}`);
      expect(run.stdout).toContain('Recon:EC2/PortProbeUnprotectedPort');
      expect(run.stdout).toContain('open a link and sign in as an approver');
      expect(run.stdout).not.toContain('secret-task-token');
    });

    it('names the output it misses, in one line', async () => {
      await deployStackOutputs(
        { [OUTPUTS.tableName('approvals')]: warden.deps.tables.approvals },
        STACK_REGION,
      );

      const run = await runCli(['approvals', '--region', STACK_REGION]);

      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `warden: Warden in AWS (WardenSecurity in ${STACK_REGION}) has no output ApprovalBaseUrl: deploy this version of Warden (cdk deploy WardenSecurity)\n`,
      );
    });
  });
});
