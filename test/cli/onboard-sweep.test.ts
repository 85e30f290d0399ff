import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRuntimeInfo } from '../../cli/audit/sources/runtime-info';
import { NOTHING_RUNNING } from '../../cli/target/local-endpoint';
import { OUTPUTS } from '../../infra/outputs';
import { AcceleratedClock } from '../../runtime/clock';
import { startHttpServer, type WardenHttpServer } from '../../runtime/http-server';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { exampleCredentials, useAwsSharedFiles } from '../fixtures/aws-shared-files';
import {
  AWS_TEST_REGIONS,
  deployStackOutputs,
  removeStackOutputs,
  useAwsEndpoints,
} from '../fixtures/aws-target';
import { runCli } from '../fixtures/cli-run';
import { exampleConfig } from '../fixtures/served-warden';
import { MOTO_URL } from '../moto-server';

/** This file's own region for its stack in moto (see AWS_TEST_REGIONS). */
const STACK_REGION = AWS_TEST_REGIONS.onboardSweep;

/**
 * `warden onboard` and `warden sweep` act on the Warden that runs: the local runtime found from
 * its data folder's runtime.json, `--endpoint`, or Warden in AWS found from the security stack's
 * outputs — here moto's CloudFormation naming the local runtime's state machines, reached with the
 * SDK's endpoint variable as if it were AWS. Never a sandbox of the command's own.
 */
const config = exampleConfig({ response: {} }, ['eu-west-1', 'us-east-1']);
const members = demoMembers(4);

function executionsOf(warden: LocalWarden, workflow: string) {
  return warden.runtime.list().filter((e) => e.stateMachineArn === warden.stateMachines[workflow]);
}

describe('warden onboard and sweep on a running Warden', () => {
  let warden: LocalWarden;
  let server: WardenHttpServer;
  let dataDir: string;

  beforeAll(async () => {
    warden = await startLocalWarden({
      config,
      members,
      clock: new AcceleratedClock(10_000),
      workflows: ['onboarding', 'sweep'],
    });
    server = await startHttpServer({ warden });
    dataDir = mkdtempSync(join(tmpdir(), 'warden-cli-target-'));
    writeRuntimeInfo({ sfnEndpoint: server.url }, dataDir);
  });
  afterAll(async () => {
    await server.close();
    await warden.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('onboards one account on the local runtime named by the data folder’s runtime.json', async () => {
    const run = await runCli(['onboard', members[0]!.id, '--data-dir', dataDir]);

    expect(run.stderr).toContain(`onboarding ${members[0]!.id} on the local runtime at ${server.url}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${members[0]!.id}\\s+ONBOARDED\\s+2\\s+0`, 'm'));
    const [execution] = executionsOf(warden, 'onboarding');
    expect(execution?.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution!.input)).toEqual({ trigger: 'cli', accounts: [members[0]!.id] });
  });

  it('onboards every account not yet onboarded with --all, through the sweep, and leaves the first one alone', async () => {
    const before = executionsOf(warden, 'onboarding').length;

    const run = await runCli(['onboard', '--all', '--endpoint', server.url]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '4 active account(s) in the organisation; 1 already onboarded as configured, 3 onboarded now',
    );
    for (const m of members.slice(1)) expect(run.stdout).toMatch(new RegExp(`^${m.id}\\s+ONBOARDED`, 'm'));
    expect(run.stdout).not.toContain(members[0]!.id);
    expect(executionsOf(warden, 'sweep')).toHaveLength(1);
    expect(executionsOf(warden, 'onboarding').length).toBe(before + 1);
  });

  it('sweeps the running Warden and finds no drift once every account is onboarded', async () => {
    const run = await runCli(['sweep', '--data-dir', dataDir]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe('no drift: every one of 4 account(s) is Enabled as configured\n');
    expect(executionsOf(warden, 'sweep')).toHaveLength(2);
  });

  it('writes its progress as plain lines, with no carriage return, when its output is piped', async () => {
    const root = join(__dirname, '..', '..');
    const args = [join(root, 'bin', 'warden.js'), 'onboard', members[0]!.id, '--data-dir', dataDir];

    // Piped as in a CI log: the child's stdout and stderr are pipes, not a terminal.
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { cwd: root, encoding: 'utf8' }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('\r');
    expect(run.stderr.split('\n')).toEqual([
      `onboarding ${members[0]!.id} on the local runtime at ${server.url}`,
      'onboarding [..............................] 0/1 accounts',
      'onboarding [##############################] 1/1 accounts',
      '',
    ]);
    expect(run.stdout).toMatch(new RegExp(`^${members[0]!.id}\\s+ONBOARDED\\s+0\\s+2`, 'm'));
  }, 60_000);

  it('says nothing is running, in one line, when the data folder has no runtime.json', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'warden-cli-none-'));
    try {
      for (const args of [['onboard', members[0]!.id], ['sweep']]) {
        const run = await runCli([...args, '--data-dir', empty]);

        expect(run.code).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toBe(`warden: ${NOTHING_RUNNING}\n`);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  describe('in AWS, found from the security stack’s outputs', () => {
    let restore: () => void;
    beforeAll(async () => {
      restore = useAwsEndpoints({ sfn: server.url });
      await deployStackOutputs(
        {
          [OUTPUTS.stateMachineArn('onboarding')]: warden.stateMachines.onboarding!,
          [OUTPUTS.stateMachineArn('sweep')]: warden.stateMachines.sweep!,
        },
        STACK_REGION,
      );
    });
    afterAll(async () => {
      await removeStackOutputs(STACK_REGION);
      restore();
    });

    it('starts the onboarding state machine the stack names, with the SDK’s own clients', async () => {
      const before = executionsOf(warden, 'onboarding').length;

      const run = await runCli(['onboard', members[1]!.id, '--region', STACK_REGION]);

      expect(run.stderr).toContain(`on Warden in AWS (WardenSecurity in ${STACK_REGION})`);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^${members[1]!.id}\\s+ONBOARDED\\s+0\\s+2`, 'm'));
      expect(executionsOf(warden, 'onboarding').length).toBe(before + 1);
    });

    it('sweeps through the sweep state machine the stack names', async () => {
      const run = await runCli(['sweep', '--region', STACK_REGION]);

      expect(run.code).toBe(0);
      expect(run.stdout).toContain('no drift');
      expect(executionsOf(warden, 'sweep')).toHaveLength(3);
    });

    it("finds the stack in the profile's region, with the profile's credentials, when --region is not given", async () => {
      const files = useAwsSharedFiles({
        config: `[profile security]\nregion = ${STACK_REGION}\n[profile elsewhere]\nregion = ap-south-2\n`,
        credentials: `${exampleCredentials('security')}${exampleCredentials('elsewhere')}`,
      });
      // The endpoints stay (loopback); the environment's keys and region are gone.
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_CLOUDFORMATION: MOTO_URL,
        AWS_ENDPOINT_URL_SFN: server.url,
      });
      try {
        const before = executionsOf(warden, 'onboarding').length;

        const run = await runCli(['onboard', members[2]!.id, '--profile', 'security']);
        const elsewhere = await runCli(['sweep', '--profile', 'elsewhere']);

        expect(run.stderr).toContain(
          `on Warden in AWS (WardenSecurity in ${STACK_REGION} (profile security))`,
        );
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(new RegExp(`^${members[2]!.id}\\s+ONBOARDED`, 'm'));
        expect(executionsOf(warden, 'onboarding').length).toBe(before + 1);
        expect(elsewhere.code).toBe(1);
        expect(elsewhere.stderr).toBe(
          "warden: no stack WardenSecurity in ap-south-2 (profile elsewhere): deploy Warden first, or give the region of its security stack (the config's homeRegion)\n",
        );
      } finally {
        files.restore();
      }
    });

    it('fails in one line when the region has no Warden stack', async () => {
      const run = await runCli(['onboard', members[1]!.id, '--region', 'ap-south-2']);

      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        "warden: no stack WardenSecurity in ap-south-2: deploy Warden first, or give the region of its security stack (the config's homeRegion)\n",
      );
    });
  });
});
