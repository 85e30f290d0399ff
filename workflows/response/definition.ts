import type { WardenConfig } from '../../config/schema';
import { APPROVAL_REJECTED } from '../../tasks/approval/contract';
import { blockAddressesTask } from '../../tasks/response/block-addresses';
import { checkResponseInputTask } from '../../tasks/response/check-response-input';
import { liftExpiredBlocksTask } from '../../tasks/response/lift-expired-blocks';
import { notifyTask } from '../../tasks/response/notify';
import { requestApprovalTask } from '../../tasks/response/request-approval';
import { resolveNetworkAclsTask } from '../../tasks/response/resolve-network-acls';
import { BlockInTransitionError, UnrecordedFindingError } from '../../tasks/shared/errors';
import { type AslDefinition, callbackTask, lambdaTask } from '../asl';
import type { WorkflowModule } from '../index';

/**
 * The response to one GuardDuty finding. The intake has already validated and triaged it (the
 * execution input holds `finding` and `triage`); a finding policy ignores is kept as a decision
 * record by the intake and starts no execution, so this one ignores only an input that says so.
 * Anyone allowed StartExecution can write an input,
 * so nothing here acts on the input's word: the tasks that change NACLs decide again from the
 * finding the intake recorded, and the notify and approval paths first replace the triage with
 * Warden's own decision of that finding. State names read as the story an auditor follows in
 * the execution history.
 *
 * Standard workflows are billed per state transition, so the automatic path is seven states
 * from the finding to the lifted block: the block task notifies people itself, and the last
 * notification ends the execution. It reaches the NACL with one Lambda invocation ("Block the
 * addresses in the network ACLs" looks the NACLs up itself); the approval path looks them up
 * first, because the approver must see which NACLs and subnets will change.
 */
const S = {
  check: 'Check the input against the finding Warden recorded',
  checkApproval: 'Check the approval request against the finding Warden recorded',
  refuse: 'Refuse an input Warden cannot verify',
  decide: 'Decide what to do with the finding',
  ignore: 'Ignore the finding',
  notifyFinding: 'Notify people about the finding',
  resolve: 'Find the network ACLs of the instance’s subnets',
  ask: 'Ask a person to approve the block',
  rejected: 'Notify that the block was rejected',
  timedOut: 'Notify that nobody approved in time',
  blockOnTimeout: 'Block anyway, as policy says when nobody answers',
  block: 'Block the addresses in the network ACLs',
  blockApproved: 'Block the approved addresses in the network ACLs',
  anything: 'Did Warden block anything?',
  decidedEnd: 'Response recorded',
  wait: 'Wait until the next block expires',
  lift: 'Lift the blocks that have expired',
  still: 'Are blocks still in place?',
  startCounting: 'Start counting the waits',
  count: 'Count the next wait',
  handOver: 'Leave the remaining blocks to the reconciler',
  notifyLifted: 'Notify that the blocks are lifted',
  failed: 'Notify that Warden could not act',
  failedEnd: 'Response failed',
} as const;

/** The pair is being lifted or evicted by another execution: a moment later it is free again. */
const RETRY_IN_TRANSITION = [
  {
    ErrorEquals: [BlockInTransitionError.name],
    IntervalSeconds: 2,
    BackoffRate: 2,
    MaxAttempts: 5,
    JitterStrategy: 'FULL',
  },
];

/**
 * The most Wait states one execution enters. Each wait ends in a lift, and blocks that are
 * extended again and again (a finding GuardDuty keeps updating, other findings joining) would
 * keep the loop going without end, until Step Functions' 25,000-event history limit failed the
 * execution. After this many waits the execution ends, naming WAIT_LIMIT_REACHED, and leaves
 * its remaining blocks to the reconciler, which removes each once it has expired and no
 * execution runs for it. 840 waits cover a week of GuardDuty's most frequent updates (one every
 * 15 minutes: 672) plus 160 pairs expiring one by one; and even if every attempt of every task
 * were retried as far as its Retry allows, the history stays below 25,000 events
 * (test/limits/response-history.test.ts computes both from this definition).
 */
export const MAX_WAITS = 840;
export const WAIT_LIMIT_REACHED = 'WAIT_LIMIT_REACHED';

const FAIL_TO_NOTIFY = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.failed }];

export function buildResponseDefinition(config: WardenConfig): AslDefinition {
  const approval = config.response.approval;
  /** Without `next`, the notification is the last state (a final Succeed state costs a transition). */
  const notify = (kind: string, next: string | undefined, extra: Record<string, unknown> = {}) =>
    lambdaTask({
      task: notifyTask.id,
      payload: { kind, 'triage.$': '$.triage', ...extra },
      resultPath: '$.notification',
      ...(next ? { next } : { end: true }),
    });
  const check = (next: string) =>
    lambdaTask({
      task: checkResponseInputTask.id,
      payload: { 'finding.$': '$.finding', 'triage.$': '$.triage' },
      resultPath: '$.triage',
      next,
      catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: S.refuse }],
    });
  return {
    Comment: 'Warden: respond to one GuardDuty finding — triage decision, approval, NACL block, expiry',
    StartAt: S.decide,
    States: {
      [S.decide]: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.triage.decision', StringEquals: 'BLOCK_AUTO', Next: S.block },
          { Variable: '$.triage.decision', StringEquals: 'BLOCK_WITH_APPROVAL', Next: S.checkApproval },
          { Variable: '$.triage.decision', StringEquals: 'NOTIFY', Next: S.check },
        ],
        Default: S.ignore,
      },
      [S.ignore]: { Type: 'Succeed', Comment: 'Policy says IGNORE; the triage in the input says why.' },
      [S.check]: check(S.notifyFinding),
      [S.checkApproval]: check(S.resolve),
      [S.refuse]: {
        Type: 'Fail',
        Error: 'UnverifiableInput',
        Cause:
          'The execution input names no finding Warden received, or does not match it; nothing was done.',
      },
      [S.notifyFinding]: notify('FINDING', undefined),

      [S.resolve]: lambdaTask({
        task: resolveNetworkAclsTask.id,
        payload: { 'triage.$': '$.triage' },
        resultPath: '$.resolution',
        next: S.ask,
        catch: FAIL_TO_NOTIFY,
      }),
      [S.ask]: callbackTask({
        task: requestApprovalTask.id,
        payload: { 'request.$': '$.resolution.approvalRequest', 'executionArn.$': '$$.Execution.Id' },
        timeoutSeconds: approval.timeoutMinutes * 60,
        resultPath: '$.approval',
        next: S.blockApproved,
        catch: [
          { ErrorEquals: [APPROVAL_REJECTED], ResultPath: '$.error', Next: S.rejected },
          {
            ErrorEquals: ['States.Timeout'],
            ResultPath: '$.error',
            Next: approval.onTimeout === 'block' ? S.blockOnTimeout : S.timedOut,
          },
          ...FAIL_TO_NOTIFY,
        ],
      }),
      [S.rejected]: notify('APPROVAL_REJECTED', undefined, { 'error.$': '$.error' }),
      // Only the outcome policy chose for an unanswered approval is in the definition.
      ...(approval.onTimeout === 'block'
        ? {
            [S.blockOnTimeout]: {
              Type: 'Pass',
              Result: { approved: true, approver: 'policy: block when nobody answers' },
              ResultPath: '$.approval',
              Next: S.blockApproved,
            },
          }
        : {
            [S.timedOut]: notify('APPROVAL_TIMED_OUT', undefined, { 'error.$': '$.error' }),
          }),

      // The block task tells people what it did (blocked, refused, nothing new) itself.
      // No check state before it: the block task decides again from the recorded finding, and an
      // input naming a finding the intake never received ends as the check would end it.
      [S.block]: lambdaTask({
        task: blockAddressesTask.id,
        payload: { 'triage.$': '$.triage', 'executionArn.$': '$$.Execution.Id' },
        resultPath: '$.block',
        retry: RETRY_IN_TRANSITION,
        next: S.anything,
        catch: [
          { ErrorEquals: [UnrecordedFindingError.name], ResultPath: '$.error', Next: S.refuse },
          ...FAIL_TO_NOTIFY,
        ],
      }),
      [S.blockApproved]: lambdaTask({
        task: blockAddressesTask.id,
        payload: {
          'triage.$': '$.triage',
          'executionArn.$': '$$.Execution.Id',
          'nacls.$': '$.resolution.nacls',
          'approvedBy.$': '$.approval.approver',
        },
        resultPath: '$.block',
        retry: RETRY_IN_TRANSITION,
        next: S.anything,
        catch: FAIL_TO_NOTIFY,
      }),
      [S.anything]: {
        Type: 'Choice',
        Choices: [{ Variable: '$.block.hasOwnedBlocks', BooleanEquals: true, Next: S.wait }],
        Default: S.decidedEnd,
      },
      [S.decidedEnd]: { Type: 'Succeed', Comment: 'Nothing to lift: the block task said why.' },
      [S.wait]: { Type: 'Wait', TimestampPath: '$.block.expiresAt', Next: S.lift },
      [S.lift]: lambdaTask({
        task: liftExpiredBlocksTask.id,
        payload: { 'findingId.$': '$.triage.findingId', 'block.$': '$.block' },
        resultPath: '$.block',
        next: S.still,
        catch: FAIL_TO_NOTIFY,
      }),
      // The first wait is not counted: an execution whose blocks all expire together (the common
      // case) pays no transition for the count. The count lives outside `$.block`, which each lift
      // replaces; a count the input supplied is either in range or ends the loop. (`Not IsPresent`
      // rather than `IsPresent: false`, which aws-local-stepfunctions 3.0.0 never matches.)
      [S.still]: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.block.hasOwnedBlocks', BooleanEquals: false, Next: S.notifyLifted },
          { Not: { Variable: '$.waits.count', IsPresent: true }, Next: S.startCounting },
          {
            Or: [
              { Not: { Variable: '$.waits.count', IsNumeric: true } },
              { Variable: '$.waits.count', NumericGreaterThanEquals: MAX_WAITS },
              { Variable: '$.waits.count', NumericLessThan: 2 },
            ],
            Next: S.handOver,
          },
        ],
        Default: S.count,
      },
      [S.startCounting]: { Type: 'Pass', Result: { count: 2 }, ResultPath: '$.waits', Next: S.wait },
      [S.count]: {
        Type: 'Pass',
        Parameters: { 'count.$': 'States.MathAdd($.waits.count, 1)' },
        ResultPath: '$.waits',
        Next: S.wait,
      },
      [S.handOver]: {
        Type: 'Pass',
        Comment: `After ${MAX_WAITS} waits: the reconciler removes each remaining block once it has expired.`,
        Result: {
          reason: WAIT_LIMIT_REACHED,
          detail: `the blocks were extended through ${MAX_WAITS} waits; each is removed by the reconciler once it has expired`,
        },
        ResultPath: '$.handOver',
        End: true,
      },
      [S.notifyLifted]: notify('LIFTED', undefined, { 'block.$': '$.block' }),

      [S.failed]: notify('ACTION_FAILED', S.failedEnd, { 'error.$': '$.error' }),
      [S.failedEnd]: {
        Type: 'Fail',
        Error: 'ResponseFailed',
        Cause: 'Warden could not complete the response; see the previous states.',
      },
    },
  };
}

export const responseWorkflow: WorkflowModule = {
  name: 'response',
  stateMachineName: 'warden-response',
  description:
    'Responds to one GuardDuty finding: triage decision, approval, NACL block, notification, expiry',
  build: buildResponseDefinition,
  tasks: [
    checkResponseInputTask,
    resolveNetworkAclsTask,
    requestApprovalTask,
    blockAddressesTask,
    liftExpiredBlocksTask,
    notifyTask,
  ],
};
