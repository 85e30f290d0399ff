import type { EventPattern } from 'aws-cdk-lib/aws-events';

/**
 * The EventBridge patterns Warden listens to, in one place so that the stacks and the infra tests
 * cannot disagree. Field names and values are AWS's (see SPEC.md, "AWS facts").
 */

/** Every GuardDuty finding; triage decides what matters, so nothing is filtered here. */
export function guardDutyFindingPattern(): EventPattern {
  return { source: ['aws.guardduty'], detailType: ['GuardDuty Finding'] };
}

/**
 * Control Tower account lifecycle events. `state` (SUCCEEDED or FAILED) is deliberately not
 * filtered: the onboarding workflow records a FAILED account with a named reason instead of never
 * hearing of it.
 *
 * @param fromAccount when set, only events that originated in this account (the management
 *   account; a forwarded event keeps its original `account`).
 */
export function controlTowerLifecyclePattern(fromAccount?: string): EventPattern {
  return {
    source: ['aws.controltower'],
    detailType: ['AWS Service Event via CloudTrail'],
    ...(fromAccount ? { account: [fromAccount] } : {}),
    detail: { eventName: ['CreateManagedAccount', 'UpdateManagedAccount'] },
  };
}

/**
 * Organizations' account events that change which accounts are members (CloudTrail events of
 * organizations.amazonaws.com; CreateAccountResult is a service event, the others API calls).
 */
export function organizationsAccountPattern(fromAccount?: string): EventPattern {
  return {
    source: ['aws.organizations'],
    detailType: ['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail'],
    ...(fromAccount ? { account: [fromAccount] } : {}),
    detail: {
      eventSource: ['organizations.amazonaws.com'],
      eventName: ['CreateAccountResult', 'AcceptHandshake', 'MoveAccount', 'RemoveAccountFromOrganization'],
    },
  };
}

/** The terminal execution statuses whose history the archiver keeps. */
export const FINISHED_EXECUTION_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** Finished executions of Warden's own state machines (not every state machine in the account). */
export function executionFinishedPattern(stateMachineArns: string[]): EventPattern {
  return {
    source: ['aws.states'],
    detailType: ['Step Functions Execution Status Change'],
    detail: { status: FINISHED_EXECUTION_STATUSES, stateMachineArn: stateMachineArns },
  };
}
