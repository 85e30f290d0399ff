import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { call } from '../shared/aws-call';
import { taskEnvironment } from '../shared/environment';
import { WardenError } from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { parseControlTowerEvent } from './control-tower-event';
import { onboardingExecutionName } from './execution-name';
import type { SkipReason } from './model';

/**
 * The front door for Control Tower lifecycle events (EventBridge → this function → the onboarding
 * state machine). EventBridge delivers at least once, and a rule that starts the state machine
 * itself would start a second execution for a second delivery. This task names the execution
 * after the event instead (`onboardingExecutionName`), so Step Functions, which keeps execution
 * names unique, turns every further delivery into a no-op.
 *
 * An event that cannot lead to onboarding (another source, a failed account creation, the
 * management account, a malformed event) ends here with the reason, starting nothing: an
 * execution that would only say "skipped" costs transitions and clutters the audit trail.
 */
export type StartOnboardingResult =
  | { outcome: 'STARTED'; executionName: string; executionArn: string; accountId: string }
  | { outcome: 'DUPLICATE'; executionName: string; executionArn: string; accountId: string }
  | { outcome: 'IGNORED'; reason: SkipReason; detail: string };

/** The deployment gave this function no onboarding state machine to start. */
export class OnboardingStateMachineUnknownError extends WardenError {}

/**
 * A start that Step Functions answered with an execution begun this long before the call is
 * another delivery's: for a running execution with the same name and input, StartExecution
 * succeeds and returns that execution instead of failing.
 */
const SAME_START_TOLERANCE_MS = 1_000;

export const startOnboardingTask = defineTask({
  id: 'StartOnboarding',
  trigger: { kind: 'event', events: 'control-tower-lifecycle' },
  entry: __filename,
  environment: taskEnvironment('STATE_MACHINE_ARNS'),
  // Anything the rule admits arrives here; an event Warden cannot use is an outcome, not a failure.
  input: z.unknown(),
  needs: { actions: ['states:StartExecution'] },
  run: startOnboarding,
});

export const handler = lambdaHandler(startOnboardingTask);

export async function startOnboarding(raw: unknown, deps: TaskDeps): Promise<StartOnboardingResult> {
  const { managementAccountId, securityAccountId, homeRegion } = deps.config.organization;
  const event = parseControlTowerEvent(raw, {
    management: managementAccountId,
    administrator: securityAccountId,
  });
  if (event.kind === 'skip') {
    deps.logger.info('Control Tower event starts no onboarding', {
      reason: event.reason,
      detail: event.detail,
    });
    return { outcome: 'IGNORED', reason: event.reason, detail: event.detail };
  }

  const stateMachineArn = deps.stateMachineArns.onboarding;
  if (!stateMachineArn) {
    throw new OnboardingStateMachineUnknownError(
      `STATE_MACHINE_ARNS has no onboarding entry; it names ${Object.keys(deps.stateMachineArns).join(', ') || 'nothing'}`,
    );
  }
  const now = deps.now();
  const executionName = onboardingExecutionName(raw, now);
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
  const sfn = deps.clients.client(SFNClient, { account: securityAccountId, region: homeRegion });
  const base = { executionName, executionArn, accountId: event.accountId };
  // The event goes on unchanged: the workflow's first task reads Control Tower events itself,
  // so a start from here and a start by hand (`warden onboard`) run the same definition.
  const started = await call(
    'starting onboarding',
    () =>
      sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: executionName, input: JSON.stringify(raw) }),
      ),
    { ExecutionAlreadyExists: () => undefined },
  );
  if (!started) {
    deps.logger.info('onboarding already requested', { executionName, accountId: event.accountId });
    return { ...base, outcome: 'DUPLICATE' };
  }
  const startedAt = started.startDate?.getTime() ?? now.getTime();
  const outcome = startedAt < now.getTime() - SAME_START_TOLERANCE_MS ? 'DUPLICATE' : 'STARTED';
  deps.logger.info('onboarding requested', { outcome, executionName, accountId: event.accountId });
  return { ...base, outcome, executionArn: started.executionArn ?? executionArn };
}
