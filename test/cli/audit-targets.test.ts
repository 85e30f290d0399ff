import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRuntimeInfo } from '../../cli/audit/sources/runtime-info';
import { OUTPUTS } from '../../infra/outputs';
import { ManualClock } from '../../runtime/clock';
import { startHttpServer, type WardenHttpServer } from '../../runtime/http-server';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import { waitForExecutions } from '../../runtime/onboarding-runner';
import { WORKFLOWS } from '../../workflows/index';
import {
  AWS_TEST_REGIONS,
  deployStackOutputs,
  removeStackOutputs,
  useAwsEndpoints,
} from '../fixtures/aws-target';
import { runCli } from '../fixtures/cli-run';
import { exampleConfig } from '../fixtures/served-warden';

/** This file's own region for its stack in moto (see AWS_TEST_REGIONS). */
const STACK_REGION = AWS_TEST_REGIONS.auditTargets;

/**
 * `warden audit` reads the Warden that runs — in AWS from the state machines the security stack's
 * outputs name, or the local runtime of the data folder — and, once the local runtime has
 * stopped, the archive it left, by itself.
 */
const config = exampleConfig({ response: {} });

function stories(stdout: string): { execution: { name: string; stateMachine: string } }[] {
  return (JSON.parse(stdout) as { stories: { execution: { name: string; stateMachine: string } }[] }).stories;
}

describe('warden audit on the Warden that runs', () => {
  let warden: LocalWarden;
  let server: WardenHttpServer;
  let dataDir: string;
  let live: string;
  let stopped = false;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'warden-audit-target-'));
    warden = await startLocalWarden({
      config,
      members: [],
      clock: new ManualClock(Date.parse('2026-04-01T09:00:00Z')),
      dataDir,
      workflows: ['reconcile'],
    });
    server = await startHttpServer({ warden });
    writeRuntimeInfo({ sfnEndpoint: server.url }, dataDir);
    const started = ['first', 'second'].map(
      (name) =>
        warden.runtime.start(warden.stateMachines.reconcile!, { reportOnly: true }, `check-${name}`)
          .executionArn,
    );
    await waitForExecutions(warden, started);
  });
  afterAll(async () => {
    if (!stopped) {
      await server.close();
      await warden.stop();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads the running local runtime named by the data folder', async () => {
    const run = await runCli(['audit', '--data-dir', dataDir, '--workflow', 'reconcile', '--format', 'json']);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(
      stories(run.stdout)
        .map((s) => s.execution.name)
        .sort(),
    ).toEqual(['check-first', 'check-second']);
    live = run.stdout;
  });

  describe('in AWS, found from the security stack’s outputs', () => {
    let restore: () => void;
    beforeAll(() => {
      restore = useAwsEndpoints({ sfn: server.url });
    });
    afterAll(async () => {
      await removeStackOutputs(STACK_REGION);
      restore();
    });

    it('reads the state machines the outputs name, with the SDK’s own client: the same stories', async () => {
      // The stack names every machine; the local runtime runs the reconcile workflow only.
      await deployStackOutputs(
        Object.fromEntries(
          WORKFLOWS.map((w) => [
            OUTPUTS.stateMachineArn(w.name),
            warden.stateMachines[w.name] ??
              `arn:aws:states:eu-west-1:222222222222:stateMachine:${w.stateMachineName}`,
          ]),
        ),
        STACK_REGION,
      );

      const run = await runCli([
        'audit',
        '--region',
        STACK_REGION,
        '--workflow',
        'reconcile',
        '--format',
        'json',
      ]);

      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(live);
    });

    it('names the output it misses, in one line', async () => {
      await deployStackOutputs({ [OUTPUTS.topicArn]: warden.topicArn }, STACK_REGION);

      const run = await runCli(['audit', '--region', STACK_REGION, '--workflow', 'reconcile']);

      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `warden: Warden in AWS (WardenSecurity in ${STACK_REGION}) has no output ReconcileStateMachineArn: deploy this version of Warden (cdk deploy WardenSecurity)\n`,
      );
    });

    it('refuses --endpoint with --region as a usage error', async () => {
      const run = await runCli(['audit', '--region', STACK_REGION, '--endpoint', server.url]);

      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^warden: --endpoint names a running Warden, --region\/--profile name Warden in AWS/,
      );
    });
  });

  it('reads the archive the local runtime left once it has stopped: the same stories', async () => {
    await server.close();
    await warden.stop();
    stopped = true;

    const run = await runCli(['audit', '--data-dir', dataDir, '--workflow', 'reconcile', '--format', 'json']);

    expect(run.stderr).toBe(
      `the local runtime at ${server.url} has stopped; reading the archive it left in ${join(dataDir, 'archive')}\n`,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(live);
  });
});
