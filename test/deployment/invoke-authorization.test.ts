import { INVOKE_DENIED_ERROR } from '../../runtime/deployment/invoke-authorization';
import type { LocalWarden } from '../../runtime/local-warden';
import { suiteIamCoverage } from '../../runtime/sandbox/iam-coverage';
import { SECURITY, startOneMemberDeployment } from '../fixtures/deployed-warden';

/**
 * Step Functions runs each Lambda task by invoking the function with the state machine's role, so
 * the role from the template must allow `lambda:InvokeFunction` on it: the deployed Warden
 * evaluates that call before every task, and the IAM coverage records the statement that allowed it.
 */

function startReconciler(): Promise<LocalWarden> {
  return startOneMemberDeployment({ workflows: ['reconcile'] });
}

function machineRole(warden: LocalWarden) {
  const stack = warden.deployment!.stacks.get('WardenSecurity')!;
  const machine = stack.stateMachines.find((m) => m.arn === warden.stateMachines.reconcile)!;
  return stack.roles.find((r) => r.roleName === machine.roleName)!;
}

describe("the state machine's role invokes each task's function", () => {
  let warden: LocalWarden | undefined;
  afterEach(() => warden?.stop());

  it('runs the reconciler when its role allows invoking the function, recording the statement that allowed it', async () => {
    warden = await startReconciler();
    const role = machineRole(warden);
    const functionArn = warden
      .deployment!.stacks.get('WardenSecurity')!
      .functions.find((f) => f.taskId === 'ReconcileBlocks')!.arn;

    const { executionArn } = warden.runtime.start(warden.stateMachines.reconcile!, {});
    const done = await warden.runtime.waitFor(executionArn);

    expect(done.status).toBe('SUCCEEDED');
    const invoke = suiteIamCoverage
      .snapshot()
      .entries.find(
        (e) => e.role === `WardenSecurity/${role.logicalId}` && e.statement === 'InvokeWorkflowTasks',
      );
    expect(invoke?.calls[`lambda:InvokeFunction ${functionArn}`]).toBeGreaterThanOrEqual(1);
  });

  it('fails the task with Lambda.AWSLambdaException, as Step Functions does, when the role may not invoke it', async () => {
    warden = await startReconciler();
    const role = machineRole(warden);
    const iam = warden.world.services.iam;
    // The template's role without its invoke statement, as if the grant were left out of the stack.
    for (const [name, document] of Object.entries(role.inlinePolicies)) {
      const kept = document.Statement.filter((s) => s.Sid !== 'InvokeWorkflowTasks');
      iam.putRolePolicy(SECURITY, role.roleName, name, { ...document, Statement: kept });
    }

    const { executionArn } = warden.runtime.start(warden.stateMachines.reconcile!, {});
    const done = await warden.runtime.waitFor(executionArn);

    expect(done.status).toBe('FAILED');
    expect(done.error).toBe(INVOKE_DENIED_ERROR);
    expect(done.cause).toContain(`assumed-role/${role.roleName}/`);
    expect(done.cause).toContain(
      'is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:eu-west-1:222222222222:function:',
    );
    expect(done.cause).toContain('because no identity-based policy allows the lambda:InvokeFunction action');
  });
});
