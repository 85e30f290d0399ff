import { ScheduleInvocationError } from '../../runtime/deployment/errors';
import type { LocalWarden } from '../../runtime/local-warden';
import { suiteIamCoverage } from '../../runtime/sandbox/iam-coverage';
import { SECURITY, START, startOneMemberDeployment } from '../fixtures/deployed-warden';

/**
 * The schedules the security stack declares start their workflows as EventBridge Scheduler does:
 * Scheduler assumes the schedule's role from the template and calls StartExecution with it, with
 * the schedule's input and its context attributes filled in.
 */
const NOW = START;

function startWarden(): Promise<LocalWarden> {
  return startOneMemberDeployment({ workflows: ['reconcile'] });
}

function reconcileSchedule(warden: LocalWarden) {
  const stack = warden.deployment!.stacks.get('WardenSecurity')!;
  const schedule = stack.schedules.find((s) => s.targetArn === warden.stateMachines.reconcile)!;
  const role = stack.roles.find((r) => r.arn === schedule.roleArn)!;
  return { schedule, role };
}

describe('the schedules from the template', () => {
  let warden: LocalWarden | undefined;
  afterEach(() => warden?.stop());

  it('starts the reconciler with the schedule role and input, the scheduled time filled in', async () => {
    warden = await startWarden();
    const { role } = reconcileSchedule(warden);

    const { executionArn } = await warden.runSchedule('reconcile');
    const done = await warden.runtime.waitFor(executionArn);

    expect(JSON.parse(done.input)).toEqual({ trigger: 'schedule', scheduledAt: NOW });
    expect(done.status).toBe('SUCCEEDED');
    const allowed = suiteIamCoverage
      .snapshot()
      .entries.filter((e) => e.role === `WardenSecurity/${role.logicalId}`)
      .flatMap((e) => Object.keys(e.calls));
    expect(allowed).toEqual([`states:StartExecution ${warden.stateMachines.reconcile}`]);
  });

  it('starts nothing when the schedule role may not start the state machine, naming the refusal', async () => {
    warden = await startWarden();
    const { role } = reconcileSchedule(warden);
    for (const name of Object.keys(role.inlinePolicies)) {
      warden.world.services.iam.deleteRolePolicy(SECURITY, role.roleName, name);
    }

    const fired = warden.runSchedule('reconcile');

    await expect(fired).rejects.toThrow(ScheduleInvocationError);
    await expect(fired).rejects.toThrow(
      `is not authorized to perform: states:StartExecution on resource: ${warden.stateMachines.reconcile}`,
    );
    expect(warden.runtime.list(warden.stateMachines.reconcile)).toEqual([]);
  });

  it('starts nothing when the schedule role does not trust EventBridge Scheduler', async () => {
    warden = await startWarden();
    const { role } = reconcileSchedule(warden);
    warden.world.services.iam.updateAssumeRolePolicy(SECURITY, role.roleName, {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });

    await expect(warden.runSchedule('reconcile')).rejects.toThrow(
      'scheduler.amazonaws.com is not authorized to assume',
    );
    expect(warden.runtime.list(warden.stateMachines.reconcile)).toEqual([]);
  });
});
