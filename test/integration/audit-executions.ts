import { archiveToFolder } from '../../runtime/archive-folder';
import { type SfnEndpoint, startSfnEndpoint } from '../../runtime/sfn-endpoint';
import { type CliRun, runCli } from '../fixtures/cli-run';
import { type Harness, makeConfig, onboard, startHarness } from '../workflows/onboarding/harness';
import {
  decide,
  historyOf,
  type ResponseHarness,
  startResponseHarness,
  until,
} from '../workflows/response/harness';

/**
 * Known executions for the audit tests, run for real on the local runtime:
 * - response: a block approved by alice (and lifted when it expires), a block rejected by bob,
 *   an approval nobody answered in time;
 * - onboarding: one account onboarded in the home region, an opt-in region skipped.
 * Each Warden is served through its own Step Functions endpoint.
 */
export const APPROVED = {
  id: 'finding-approved',
  type: 'UnauthorizedAccess:EC2/SSHBruteForce',
  severity: 5,
  remoteIp: '203.0.113.20',
};
export const REJECTED = {
  id: 'finding-rejected',
  type: 'UnauthorizedAccess:EC2/RDPBruteForce',
  severity: 5,
  remoteIp: '198.51.100.7',
};
export const TIMED_OUT = {
  id: 'finding-timed-out',
  type: 'UnauthorizedAccess:EC2/SSHBruteForce',
  severity: 2,
  remoteIp: '192.0.2.99',
};
export const ONBOARDED_MEMBER = '300000000001';
export const HOME = 'eu-west-1';
export const OPT_IN = 'ap-east-1';

export interface RecordedExecutions {
  response: ResponseHarness;
  onboarding: Harness;
  responseEndpoint: SfnEndpoint;
  onboardingEndpoint: SfnEndpoint;
  arns: { approved: string; rejected: string; timedOut: string; onboarded: string };
  /** Archives every execution of both Wardens into `folder`, as the local runtime does. */
  archiveTo(folder: string): void;
  stop(): Promise<void>;
}

export async function recordExecutions(): Promise<RecordedExecutions> {
  const response = await startResponseHarness({
    response: { approval: { timeoutMinutes: 30, onTimeout: 'reject' } },
  });
  const approved = (await response.deliver(APPROVED)).executionArn!;
  await response.advance(0);
  await response.advance(4);
  await decide(response, approved, 'approve', 'alice', 'looks like an attack');
  // The block (which re-reads the recorded finding) completes before the clock moves on.
  await until(() =>
    historyOf(response.warden, approved).some(
      (e) =>
        e.type === 'TaskStateExited' &&
        (e.stateExitedEventDetails as { name?: string } | undefined)?.name ===
          'Block the approved addresses in the network ACLs',
    ),
  );
  await response.advance(2);

  const rejected = (await response.deliver(REJECTED)).executionArn!;
  await response.advance(0);
  await response.advance(3);
  await decide(response, rejected, 'reject', 'bob', 'known scanner, "tolerated", see ticket 42');
  await response.advance(0);

  const timedOut = (await response.deliver(TIMED_OUT)).executionArn!;
  await response.advance(31);
  await response.advance(61);
  for (const arn of [approved, rejected, timedOut]) await response.warden.runtime.waitFor(arn);

  const onboarding = await startHarness({
    config: makeConfig({ regions: [HOME, OPT_IN] }),
    members: [{ id: ONBOARDED_MEMBER, name: 'member-01', email: 'm@example.com', enabledRegions: [] }],
  });
  const onboarded = (await onboard(onboarding, { trigger: 'cli', accounts: [ONBOARDED_MEMBER] }))
    .executionArn;

  const responseEndpoint = await startSfnEndpoint(response.warden.runtime);
  const onboardingEndpoint = await startSfnEndpoint(onboarding.warden.runtime);
  return {
    response,
    onboarding,
    responseEndpoint,
    onboardingEndpoint,
    arns: { approved, rejected, timedOut, onboarded },
    archiveTo(folder) {
      for (const warden of [response.warden, onboarding.warden]) {
        for (const record of warden.runtime.store.list())
          archiveToFolder(warden.runtime.store, record.executionArn, folder);
      }
    },
    async stop() {
      await responseEndpoint.close();
      await onboardingEndpoint.close();
      await response.stop();
      await onboarding.warden.stop();
    },
  };
}

/**
 * `warden audit --format <format>`, of `workflow`'s executions when named (else the command's
 * default), read from `from` (`--endpoint URL`, or `--archive PLACE` and what reading it needs).
 */
export function runAudit(
  format: string,
  from: string[],
  workflow?: 'response' | 'onboarding',
): Promise<CliRun> {
  return runCli(['audit', '--format', format, ...(workflow ? ['--workflow', workflow] : []), ...from]);
}
