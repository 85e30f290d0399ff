import { NamedError } from '../../tasks/shared/named-error';

/**
 * Errors of deploying Warden's synthesized templates into the sandbox and of running the deploy
 * steps. Each names what it could not do and why, as CloudFormation or the AWS CLI would.
 */
export class DeploymentError extends NamedError {}

/** A template uses an intrinsic function, attribute or parameter the local deployment cannot resolve. */
export class UnresolvableTemplateError extends DeploymentError {}

/** A stack is deployed before what it needs exists (CloudFormation would fail the stack). */
export class StackDeployFailedError extends DeploymentError {}

/** A deploy step was run out of order, twice where it must not be, or with bad arguments. */
export class DeployStepError extends DeploymentError {}

/**
 * A schedule could not invoke its target: Scheduler could not assume its execution role, or the
 * role may not call the target (Scheduler counts the invocation as failed and retries or drops it).
 */
export class ScheduleInvocationError extends DeploymentError {}

/** The local runtime was asked to describe an execution to EventBridge by an ARN that names none. */
export class ExecutionEventError extends DeploymentError {}
