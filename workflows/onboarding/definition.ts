import type { WardenConfig } from '../../config/schema';
import { acceptInvitationTask } from '../../tasks/onboarding/accept-invitation';
import { applyFeaturesTask } from '../../tasks/onboarding/apply-features';
import { createMembersTask } from '../../tasks/onboarding/create-members';
import { describeAccountTask } from '../../tasks/onboarding/describe-account';
import { ensureAdministratorDetectorTask } from '../../tasks/onboarding/ensure-administrator-detector';
import { ensureMemberDetectorTask } from '../../tasks/onboarding/ensure-member-detector';
import { inviteMembersTask } from '../../tasks/onboarding/invite-members';
import { planRegionsTask } from '../../tasks/onboarding/plan-regions';
import { publishDriftTask } from '../../tasks/onboarding/publish-drift';
import { publishResultTask } from '../../tasks/onboarding/publish-result';
import { readMembershipsTask } from '../../tasks/onboarding/read-memberships';
import { readRequestTask } from '../../tasks/onboarding/read-request';
import { summariseTask } from '../../tasks/onboarding/summarise';
import { verifyMembersTask } from '../../tasks/onboarding/verify-members';
import type { TaskDefinition } from '../../tasks/shared/task';
import {
  type AslDefinition,
  type AslState,
  type LambdaTaskOptions,
  lambdaTask,
  transientRetry,
} from '../asl';
import type { WorkflowModule } from '../index';

/**
 * Onboarding: one Control Tower account (or a batch of up to 50 from `warden onboard`) becomes a
 * GuardDuty member of the security account in every configured region.
 *
 *   read the request → describe each account → plan per region →
 *   per region (Map, bounded): administrator's detector → read status → member detectors (Map) →
 *     create → [invite → accept (Map)] → check Enabled ⟲ wait (bounded) → apply features
 *   → summarise per account → one notification per account
 *
 * Invite and accept exist only in invitation mode: the definition is built from config, so the
 * history of an organisation-mode execution never shows steps it does not take.
 */

/** Seconds between membership checks while GuardDuty still reports an accepted member as Invited. */
export const VERIFY_WAIT_SECONDS = 5;
/** Checks before a member still Invited ends as NOT_ENABLED_IN_TIME (about 30 s of waiting). */
export const VERIFY_MAX_CHECKS = 6;
/** Accounts described, prepared or notified at once within one execution. */
const ACCOUNT_CONCURRENCY = 10;

const REGION_FAILED = 'Record why the region failed';

/**
 * Onboarding runs during throttling storms (a backfill of a thousand accounts): a step making two
 * or three calls at 20% throttling fails one attempt in three, so it gets more attempts than the
 * default before its branch is given up.
 */
export const ONBOARDING_RETRY_ATTEMPTS = 10;
function task(options: LambdaTaskOptions): AslState {
  return { ...lambdaTask(options), Retry: [transientRetry(ONBOARDING_RETRY_ATTEMPTS)] };
}
const regionCatch = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: REGION_FAILED }];

/** A Map over `$.work` of one region, running `task` once per account, each failure caught per account. */
function perAccountMap(options: {
  task: TaskDefinition;
  stateName: string;
  failureStateName: string;
  next: string;
}): AslState {
  return {
    Type: 'Map',
    ItemsPath: '$.work',
    ItemSelector: { 'item.$': '$$.Map.Item.Value', 'region.$': '$.region' },
    MaxConcurrency: ACCOUNT_CONCURRENCY,
    ItemProcessor: {
      ProcessorConfig: { Mode: 'INLINE' },
      StartAt: options.stateName,
      States: {
        [options.stateName]: task({
          task: options.task.id,
          end: true,
          catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: options.failureStateName }],
        }),
        [options.failureStateName]: {
          Type: 'Pass',
          Parameters: {
            'accountId.$': '$.item.accountId',
            ok: false,
            'error.$': '$.failure.Error',
            'cause.$': '$.failure.Cause',
          },
          End: true,
        },
      },
    },
    ResultPath: '$.stepResults',
    Catch: regionCatch,
    Next: options.next,
  };
}

/** The states of one region's branch: the Map iterator of "Onboard each region". */
export function buildRegionBranch(config: WardenConfig): AslDefinition {
  const invitation = config.onboarding.mode === 'invitation';
  const VERIFY = 'Check that the members are Enabled';
  const states: Record<string, AslState> = {
    "Ensure the administrator's detector": task({
      task: ensureAdministratorDetectorTask.id,
      catch: regionCatch,
      next: "Read the members' current status",
    }),
    "Read the members' current status": task({
      task: readMembershipsTask.id,
      catch: regionCatch,
      next: "Ensure each member's detector",
    }),
    "Ensure each member's detector": perAccountMap({
      task: ensureMemberDetectorTask,
      stateName: "Ensure the member's detector",
      failureStateName: "Note that the member's detector could not be ensured",
      next: 'Add the accounts as members',
    }),
    'Add the accounts as members': task({
      task: createMembersTask.id,
      catch: regionCatch,
      next: invitation ? 'Invite the members without e-mail' : VERIFY,
    }),
  };
  if (invitation) {
    states['Invite the members without e-mail'] = task({
      task: inviteMembersTask.id,
      catch: regionCatch,
      next: 'Accept each invitation in the member account',
    });
    states['Accept each invitation in the member account'] = perAccountMap({
      task: acceptInvitationTask,
      stateName: 'Accept the invitation in the member account',
      failureStateName: 'Note that the invitation could not be accepted',
      next: VERIFY,
    });
  }
  states[VERIFY] = task({
    task: verifyMembersTask.id,
    catch: regionCatch,
    next: 'Are the new members Enabled yet?',
  });
  states['Are the new members Enabled yet?'] = {
    Type: 'Choice',
    Choices: [
      {
        And: [
          { Variable: '$.pending', NumericGreaterThan: 0 },
          { Variable: '$.checks', NumericLessThan: VERIFY_MAX_CHECKS },
        ],
        Next: 'Wait for GuardDuty to report the new members',
      },
    ],
    Default: 'Apply the protection features',
  };
  states['Wait for GuardDuty to report the new members'] = {
    Type: 'Wait',
    Seconds: VERIFY_WAIT_SECONDS,
    Next: VERIFY,
  };
  states['Apply the protection features'] = task({
    task: applyFeaturesTask.id,
    catch: regionCatch,
    end: true,
  });
  states[REGION_FAILED] = {
    Type: 'Pass',
    Parameters: { 'region.$': '$.region', 'members.$': '$.members', 'failure.$': '$.failure' },
    End: true,
  };
  return { StartAt: "Ensure the administrator's detector", States: states };
}

/**
 * From "Describe each account" to "Summarise the results per account": shared with the drift
 * sweep, which repairs drifted accounts with exactly these steps. Expects `$.accounts` (ids) and
 * `$.trigger`; puts the summary at `summaryPath` and goes on to `next`.
 */
export function buildOnboardingCore(
  config: WardenConfig,
  next: string,
  summaryPath = '$',
): Record<string, AslState> {
  return {
    'Describe each account': {
      Type: 'Map',
      ItemsPath: '$.accounts',
      ItemSelector: { 'accountId.$': '$$.Map.Item.Value' },
      MaxConcurrency: ACCOUNT_CONCURRENCY,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Describe the account',
        States: {
          'Describe the account': task({
            task: describeAccountTask.id,
            end: true,
            catch: [
              {
                ErrorEquals: ['States.ALL'],
                ResultPath: '$.failure',
                Next: 'Note that the account could not be described',
              },
            ],
          }),
          'Note that the account could not be described': {
            Type: 'Pass',
            Parameters: {
              'accountId.$': '$.accountId',
              eligible: false,
              reason: 'DESCRIBE_FAILED',
              'detail.$': '$.failure.Cause',
            },
            End: true,
          },
        },
      },
      ResultPath: '$.accounts',
      Next: 'Plan the work per region',
    },
    'Plan the work per region': task({
      task: planRegionsTask.id,
      payload: { 'accounts.$': '$.accounts' },
      resultPath: '$.plan',
      next: 'Onboard each region',
    }),
    'Onboard each region': {
      Type: 'Map',
      ItemsPath: '$.plan.regions',
      MaxConcurrency: config.onboarding.maxConcurrency,
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, ...buildRegionBranch(config) },
      ResultPath: '$.regions',
      Next: 'Summarise the results per account',
    },
    'Summarise the results per account': task({
      task: summariseTask.id,
      payload: { 'trigger.$': '$.trigger', 'accounts.$': '$.plan.accounts', 'regions.$': '$.regions' },
      resultPath: summaryPath,
      next,
    }),
  };
}

export function buildOnboardingDefinition(config: WardenConfig): AslDefinition {
  return {
    Comment: `Onboards accounts into GuardDuty (${config.onboarding.mode} mode) in ${config.organization.regions.length} regions`,
    StartAt: 'Read the onboarding request',
    States: {
      'Read the onboarding request': task({
        task: readRequestTask.id,
        next: 'Is there an account to onboard?',
      }),
      'Is there an account to onboard?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.skipped', BooleanEquals: true, Next: 'Ignore the request' }],
        Default: 'Describe each account',
      },
      'Ignore the request': { Type: 'Succeed', Comment: 'The output names the reason.' },
      ...buildOnboardingCore(config, 'Is this the repair of a sweep?'),
      // A sweep's repair reports its batch in one DRIFT notification (found → repaired or not)
      // instead of one onboarding notification per account.
      'Is this the repair of a sweep?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.trigger', StringEquals: 'sweep', Next: 'Report the drift' }],
        Default: "Notify each account's result",
      },
      'Report the drift': task({
        task: publishDriftTask.id,
        payload: { 'drift.$': '$$.Execution.Input.drift', 'summaries.$': '$.summaries' },
        resultPath: '$.report',
        end: true,
      }),
      "Notify each account's result": {
        Type: 'Map',
        ItemsPath: '$.summaries',
        ItemSelector: {
          'summary.$': '$$.Map.Item.Value',
          'trigger.$': '$.trigger',
          'executionArn.$': '$$.Execution.Id',
        },
        MaxConcurrency: ACCOUNT_CONCURRENCY,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: "Publish the account's onboarding result",
          States: {
            "Publish the account's onboarding result": task({
              task: publishResultTask.id,
              end: true,
            }),
          },
        },
        ResultPath: null,
        End: true,
      },
    },
  };
}

/** Every task of the per-account core, shared with the sweep. */
export const ONBOARDING_CORE_TASKS: readonly TaskDefinition[] = [
  describeAccountTask,
  planRegionsTask,
  ensureAdministratorDetectorTask,
  readMembershipsTask,
  ensureMemberDetectorTask,
  createMembersTask,
  inviteMembersTask,
  acceptInvitationTask,
  verifyMembersTask,
  applyFeaturesTask,
  summariseTask,
];

export const onboardingWorkflow: WorkflowModule = {
  name: 'onboarding',
  stateMachineName: 'warden-onboarding',
  description: 'Onboards accounts into the GuardDuty administrator in every governed region',
  build: buildOnboardingDefinition,
  tasks: [readRequestTask, ...ONBOARDING_CORE_TASKS, publishResultTask, publishDriftTask],
};
