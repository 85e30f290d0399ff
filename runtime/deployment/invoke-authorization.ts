import { RuntimeError } from '../engine';
import { explainDenial } from '../sandbox/access-denied';
import type { SandboxCloud } from '../sandbox/cloud';
import { warmUpIamEvaluation } from '../sandbox/iam-enforcement';

/**
 * Step Functions' side of a Lambda task: the service assumes the state machine's role (the
 * template's `RoleArn`) and calls `lambda:InvokeFunction` on the task's function with it, so the
 * role's identity policies must allow invoking that function.
 * https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html
 *
 * A denied invocation fails the task with `Lambda.AWSLambdaException`, its cause Lambda's
 * AccessDeniedException message (as executions in AWS report it, e.g.
 * https://github.com/awslabs/aws-deployment-framework/issues/460), so the definition's Retry and
 * Catch rules see what they would see in AWS.
 */
export interface StateMachineRole {
  account: string;
  region: string;
  roleName: string;
  /** The state machine's name: the session name of the role Step Functions assumes. */
  stateMachineName: string;
}

export const INVOKE_DENIED_ERROR = 'Lambda.AWSLambdaException';

export function lambdaInvokeAuthorizer(
  cloud: SandboxCloud,
  machine: StateMachineRole,
): (functionArn: string) => Promise<void> {
  // Step Functions names the session itself; one stable name per state machine keeps decisions cached.
  const principal = {
    account: machine.account,
    roleName: machine.roleName,
    arn: `arn:aws:sts::${machine.account}:assumed-role/${machine.roleName}/${machine.stateMachineName}`,
  };
  return async (functionArn) => {
    const [, , , region, account] = functionArn.split(':');
    await warmUpIamEvaluation();
    const decision = await cloud.iam.decide(principal, {
      action: 'lambda:InvokeFunction',
      resource: functionArn,
      resourceAccount: account ?? machine.account,
      region: region ?? machine.region,
      context: {},
    });
    if (decision.allowed) return;
    const message = explainDenial({
      principalArn: principal.arn,
      action: 'lambda:InvokeFunction',
      resource: functionArn,
      reason: decision.reason ?? 'no-identity-allow',
    });
    throw new RuntimeError(
      INVOKE_DENIED_ERROR,
      `${message} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException)`,
    );
  };
}
