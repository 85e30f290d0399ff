import { EnableOrganizationAdminAccountCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import {
  EnableAWSServiceAccessCommand,
  ListRootsCommand,
  OrganizationsClient,
  RegisterDelegatedAdministratorCommand,
} from '@aws-sdk/client-organizations';
import type { WardenConfig } from '../../config/schema';
import { ORGANIZATIONS_EVENTS_REGION } from '../../infra/constructs/organizations-event-forwarding';
import type { LocalSession } from '../local-warden';
import { DeployStepError } from './errors';
import { STACKSETS_SERVICE_PRINCIPAL } from './sandbox-deployment';

/**
 * Warden's deploy steps, per account role and onboarding mode, each one command. The README's
 * "Deploying" section lists them (`npm run warden -- deploy <step>`); the deploy rehearsal parses
 * that list and performs it against a bare sandbox organisation, and `warden start` performs the
 * same list. In AWS, `warden deploy <step>` prints the exact `aws`/`cdk` commands of the step for
 * the config (`awsCommands`).
 */
export type OnboardingMode = WardenConfig['onboarding']['mode'];

export interface DeployStep {
  /** `npm run warden -- deploy <id>`. */
  id: string;
  /** Whose credentials the step needs. */
  account: 'management' | 'security';
  /** What the step is for, in the README's words. */
  title: string;
  /** The onboarding modes that need it. */
  modes: readonly OnboardingMode[];
  /** The exact commands the step stands for in AWS, for this config. */
  awsCommands(config: WardenConfig): string[];
  /** Performs the step against the sandbox organisation of a local session. */
  performLocally(session: LocalSession): Promise<void>;
}

const BOTH: readonly OnboardingMode[] = ['invitation', 'organization'];
export const ACCOUNT_SERVICE_PRINCIPAL = 'account.amazonaws.com';

export const DEPLOY_STEPS: readonly DeployStep[] = [
  {
    id: 'organization-access',
    account: 'management',
    title:
      'trusted access for StackSets and Account Management, and the security account as Account Management delegated administrator',
    modes: BOTH,
    awsCommands: (config) => [
      'aws cloudformation activate-organizations-access',
      `aws organizations enable-aws-service-access --service-principal ${ACCOUNT_SERVICE_PRINCIPAL}`,
      `aws organizations register-delegated-administrator --account-id ${config.organization.securityAccountId} --service-principal ${ACCOUNT_SERVICE_PRINCIPAL}`,
    ],
    async performLocally(session) {
      const { organization } = session.options.config;
      const org = organizationsAs(session, organization.managementAccountId, organization.homeRegion);
      // ActivateOrganizationsAccess is CloudFormation's call; it enables StackSets' trusted access,
      // and StackSets creates its service-linked roles (see activateOrganizationsAccess).
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ActivateOrganizationsAccess.html
      await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: STACKSETS_SERVICE_PRINCIPAL }));
      await session.deployment.activateOrganizationsAccess(organization.homeRegion);
      await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: ACCOUNT_SERVICE_PRINCIPAL }));
      await org.send(
        new RegisterDelegatedAdministratorCommand({
          AccountId: organization.securityAccountId,
          ServicePrincipal: ACCOUNT_SERVICE_PRINCIPAL,
        }),
      );
    },
  },
  {
    id: 'management-stack',
    account: 'management',
    title: 'Control Tower event forwarding, and the member role in every member account through the StackSet',
    modes: BOTH,
    awsCommands: (config) => [
      config.organization.memberRoleTargets
        ? 'npx cdk deploy WardenManagement'
        : "npx cdk deploy WardenManagement --parameters MemberRoleDeploymentTargets=$(aws organizations list-roots --query 'Roots[0].Id' --output text)",
      // Organizations delivers its events only in us-east-1.
      ...(config.organization.controlTowerHomeRegion !== ORGANIZATIONS_EVENTS_REGION
        ? ['npx cdk deploy WardenOrganizationsEvents']
        : []),
    ],
    async performLocally(session) {
      const { organization } = session.options.config;
      const parameters: Record<string, string> = {};
      if (!organization.memberRoleTargets) {
        const roots = await organizationsAs(
          session,
          organization.managementAccountId,
          organization.homeRegion,
        ).send(new ListRootsCommand({}));
        parameters.MemberRoleDeploymentTargets = roots.Roots?.[0]?.Id ?? '';
      }
      await session.deployment.deploy('WardenManagement', { parameters });
      if (session.deployment.stackNames.includes('WardenOrganizationsEvents')) {
        await session.deployment.deploy('WardenOrganizationsEvents');
      }
    },
  },
  {
    id: 'security-stack',
    account: 'security',
    title:
      'state machines, functions, tables, topic, approval API, export and archive buckets, rules, schedules',
    modes: BOTH,
    awsCommands: () => ['npx cdk deploy WardenSecurity'],
    async performLocally(session) {
      await session.deployment.deploy('WardenSecurity');
    },
  },
  {
    id: 'forwarding-stacks',
    account: 'security',
    title: "GuardDuty findings of every other governed region to the home region's bus",
    modes: BOTH,
    awsCommands: () => ["npx cdk deploy 'WardenForwarding-*'"],
    async performLocally(session) {
      for (const name of session.deployment.stackNames.filter((n) => n.startsWith('WardenForwarding-'))) {
        await session.deployment.deploy(name);
      }
    },
  },
  {
    id: 'guardduty-administrator',
    account: 'management',
    title: 'the security account as GuardDuty delegated administrator, in every governed region',
    modes: ['organization'],
    awsCommands: (config) =>
      config.organization.regions.map(
        (region) =>
          `aws guardduty enable-organization-admin-account --admin-account-id ${config.organization.securityAccountId} --region ${region}`,
      ),
    async performLocally(session) {
      const { organization } = session.options.config;
      const clients = session.org.administratorClients(organization.managementAccountId);
      for (const region of organization.regions) {
        await clients
          .client(GuardDutyClient, { account: organization.managementAccountId, region })
          .send(
            new EnableOrganizationAdminAccountCommand({ AdminAccountId: organization.securityAccountId }),
          );
      }
    },
  },
];

/** The steps a config needs, in order. */
export function deployStepsFor(config: WardenConfig): DeployStep[] {
  return DEPLOY_STEPS.filter((step) => step.modes.includes(config.onboarding.mode));
}

export function deployStep(id: string): DeployStep {
  const step = DEPLOY_STEPS.find((s) => s.id === id);
  if (!step) {
    throw new DeployStepError(
      `no deploy step named '${id}'; the steps are ${DEPLOY_STEPS.map((s) => s.id).join(', ')}`,
    );
  }
  return step;
}

/** Performs the steps in order against the session's sandbox organisation. */
export async function performDeploySteps(session: LocalSession, steps: readonly DeployStep[]): Promise<void> {
  for (const step of steps) {
    try {
      await step.performLocally(session);
    } catch (error) {
      const e = error as Error;
      throw new DeployStepError(`deploy step ${step.id} failed: ${e.name}: ${e.message}`, { cause: error });
    }
  }
}

function organizationsAs(session: LocalSession, account: string, region: string): OrganizationsClient {
  return session.org.administratorClients(account).client(OrganizationsClient, { account, region });
}

/** The command the README shows for a step. */
export function stepCommand(step: DeployStep): string {
  return `npm run warden -- deploy ${step.id}`;
}

const README_STEP = /`npm run warden -- deploy ([a-z-]+)`/;

/**
 * The deploy steps the README's "Deploying" section lists between its markers, in its order, with
 * the modes each line names ("organisation mode only" / "invitation mode only"): what the
 * rehearsal performs. A step the README forgets is one the rehearsal does not perform.
 */
export function readmeDeploySteps(readme: string, mode: OnboardingMode): DeployStep[] {
  const start = readme.indexOf(DEPLOY_STEPS_START);
  const end = readme.indexOf(DEPLOY_STEPS_END);
  if (start < 0 || end < start)
    throw new DeployStepError(`the README has no ${DEPLOY_STEPS_START} … ${DEPLOY_STEPS_END} section`);
  const steps: DeployStep[] = [];
  for (const line of readme.slice(start, end).split('\n')) {
    const match = README_STEP.exec(line);
    if (!match) continue;
    const only = /organi[sz]ation mode only/i.test(line)
      ? 'organization'
      : /invitation mode only/i.test(line)
        ? 'invitation'
        : undefined;
    if (only && only !== mode) continue;
    steps.push(deployStep(match[1]!));
  }
  return steps;
}

export const DEPLOY_STEPS_START = '<!-- deploy-steps:start -->';
export const DEPLOY_STEPS_END = '<!-- deploy-steps:end -->';
