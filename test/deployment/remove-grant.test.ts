import { afterEach, describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../config/load';
import type { WardenConfig, WardenConfigInput } from '../../config/schema';
import { ManualClock, settle } from '../../runtime/clock';
import { deployedTemplates } from '../../runtime/deployment/synth-cache';
import type { CfnResource, CfnTemplate, StackTemplate } from '../../runtime/deployment/template';
import type { ExecutionRecord, HistoryEvent } from '../../runtime/history';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { makeControlTowerEvent } from '../workflows/onboarding/harness';

/**
 * The local runtime runs what CDK deploys: take one grant out of a task's role, or one variable
 * out of a function's environment, in the synthesized templates, deploy those, and the task fails
 * the way it would in AWS — refused by IAM with the service's own AccessDenied, or stopped by the
 * environment parser with its named error. The unchanged templates onboard the same account.
 */
const MANAGEMENT = '111111111111';
const SECURITY = '222222222222';
const REGION = 'eu-west-1';
const [MEMBER] = demoMembers(1);

/** Everything a deployment needs given in the config, so the templates below are the ones deployed. */
const CONFIG: WardenConfig = parseConfig(
  {
    organization: {
      managementAccountId: MANAGEMENT,
      securityAccountId: SECURITY,
      homeRegion: REGION,
      controlTowerHomeRegion: REGION,
      regions: [REGION],
      organizationId: 'o-exampleorg1',
    },
    onboarding: { mode: 'invitation' },
    response: {},
  } as WardenConfigInput,
  'remove-grant config',
);

let warden: LocalWarden | undefined;
afterEach(async () => {
  await warden?.stop();
  warden = undefined;
});

async function onboardMember(templates?: readonly StackTemplate[]) {
  const clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
  warden = await startLocalWarden({
    config: CONFIG,
    members: [MEMBER!],
    clock,
    retryIntervalMs: 0,
    workflows: ['onboarding'],
    ...(templates ? { templates } : {}),
  });
  const { executionArn } = warden.runtime.start(
    warden.stateMachines.onboarding!,
    makeControlTowerEvent({ accountId: MEMBER!.id }),
    'onboard-member',
  );
  const record = await finish(warden, clock, executionArn);
  return { record, failures: failedTasks(warden.runtime.store.history(executionArn)) };
}

describe('a synthesized template with something taken out', () => {
  it('onboards the account with the templates as synthesized (the control)', async () => {
    const { record, failures } = await onboardMember();

    expect(record.status).toBe('SUCCEEDED');
    expect(JSON.parse(record.output!).summaries[0]).toMatchObject({ result: 'ONBOARDED' });
    expect(failures).toEqual([]);
  });

  it.each([
    [
      "DescribeAccount with Organizations' AccessDeniedException",
      'DescribeAccount',
      'organizations:DescribeAccount',
      [
        `User: arn:aws:sts::${SECURITY}:assumed-role/WardenTask-DescribeAccount/`,
        'is not authorized to perform: organizations:DescribeAccount on resource: ',
        'because no identity-based policy allows the organizations:DescribeAccount action',
      ],
    ],
    [
      "the administrator's first detector with GuardDuty's AccessDeniedException",
      'EnsureAdministratorDetector',
      'iam:CreateServiceLinkedRole',
      [
        'is not authorized to perform: iam:CreateServiceLinkedRole',
        'assumed-role/WardenTask-EnsureAdministratorDetector/',
      ],
    ],
  ])('fails %s when the role of %s loses %s', async (_what, task, action, [first, ...rest]) => {
    const templates = withTemplate('WardenSecurity', (template) =>
      removeGrant(template, `WardenTask-${task}`, action),
    );

    const { failures } = await onboardMember(templates);

    expect(failures[0]).toEqual({
      error: 'AccessDeniedException',
      cause: expect.stringContaining(first!) as unknown as string,
    });
    for (const part of rest) expect(failures[0]!.cause).toContain(part);
  });

  it("fails a task in the member account when the StackSet's member role loses guardduty:CreateDetector", async () => {
    const templates = withTemplate('WardenManagement', (template) =>
      withStackSetTemplate(template, (member) =>
        removeGrant(member, 'WardenMemberRole', 'guardduty:CreateDetector'),
      ),
    );

    const { record, failures } = await onboardMember(templates);

    // GuardDuty's own AccessDeniedException, signed by the member role's session in the member account.
    expect(failures).toEqual([
      {
        error: 'AccessDeniedException',
        cause: `User: arn:aws:sts::${MEMBER!.id}:assumed-role/WardenMemberRole/warden is not authorized to perform: guardduty:CreateDetector on resource: * because no identity-based policy allows the guardduty:CreateDetector action`,
      },
    ]);
    expect(JSON.parse(record.output!).summaries[0]).not.toMatchObject({ result: 'ONBOARDED' });
  });

  it("creates GuardDuty's service-linked role in the security and the member account, and StackSets' in the management and the member account", async () => {
    await onboardMember();

    const { iam } = warden!.world.services;
    expect(iam.serviceLinkedRole(SECURITY, 'guardduty.amazonaws.com')).toBeDefined();
    expect(iam.serviceLinkedRole(MEMBER!.id, 'guardduty.amazonaws.com')).toBeDefined();
    expect(iam.serviceLinkedRole(MANAGEMENT, 'stacksets.cloudformation.amazonaws.com')).toBeDefined();
    expect(
      iam.serviceLinkedRole(MEMBER!.id, 'member.org.stacksets.cloudformation.amazonaws.com'),
    ).toBeDefined();
  });

  it("fails the member's first detector when the StackSet's member role loses iam:CreateServiceLinkedRole", async () => {
    const templates = withTemplate('WardenManagement', (template) =>
      withStackSetTemplate(template, (member) =>
        removeGrant(member, 'WardenMemberRole', 'iam:CreateServiceLinkedRole'),
      ),
    );

    const { failures } = await onboardMember(templates);

    expect(failures).toEqual([
      {
        error: 'AccessDeniedException',
        cause: expect.stringContaining(
          `User: arn:aws:sts::${MEMBER!.id}:assumed-role/WardenMemberRole/warden is not authorized to perform: iam:CreateServiceLinkedRole`,
        ) as unknown as string,
      },
    ]);
  });

  it("fails PublishOnboardingResult when its role loses the topic key's kms:GenerateDataKey*, which SNS uses on the publisher's behalf", async () => {
    const templates = withTemplate('WardenSecurity', (template) =>
      removeGrant(template, 'WardenTask-PublishOnboardingResult', 'kms:GenerateDataKey*'),
    );

    const { failures } = await onboardMember(templates);

    expect(failures).toHaveLength(1);
    expect(failures[0]!.cause).toContain('assumed-role/WardenTask-PublishOnboardingResult/');
    expect(failures[0]!.cause).toContain('is not authorized to perform: kms:GenerateDataKey on resource: ');
  });

  it("fails PublishOnboardingResult with the environment parser's EnvironmentError when its function loses TOPIC_ARN", async () => {
    const templates = withTemplate('WardenSecurity', (template) =>
      removeVariable(template, 'WardenTask-PublishOnboardingResult', 'TOPIC_ARN'),
    );

    const { failures } = await onboardMember(templates);

    expect(failures).toEqual([
      {
        error: 'EnvironmentError',
        cause: expect.stringMatching(
          /^PublishOnboardingResult's Lambda environment is invalid:\n.*TOPIC_ARN/s,
        ) as unknown as string,
      },
    ]);
  });
});

/** The synthesized templates, with one stack's template changed by `change` (on a copy). */
function withTemplate(stackName: string, change: (template: CfnTemplate) => void): StackTemplate[] {
  const templates = structuredClone(deployedTemplates(CONFIG)) as StackTemplate[];
  const stack = templates.find((t) => t.stackName === stackName);
  if (!stack) throw new Error(`no stack ${stackName} in ${templates.map((t) => t.stackName).join(', ')}`);
  change(stack.template);
  return templates;
}

/** Changes the template body of the management stack's member role StackSet. */
function withStackSetTemplate(template: CfnTemplate, change: (member: CfnTemplate) => void): void {
  const [set] = resourcesOf(template, 'AWS::CloudFormation::StackSet');
  if (!set) throw new Error('the management stack declares no StackSet');
  const body = JSON.parse(set.Properties!.TemplateBody as string) as CfnTemplate;
  change(body);
  set.Properties!.TemplateBody = JSON.stringify(body);
}

/** Takes `action` out of every statement of the role named `roleName` (dropping emptied statements). */
function removeGrant(template: CfnTemplate, roleName: string, action: string): void {
  const roleId = roleIdOf(template, roleName);
  const documents = [
    ...((template.Resources[roleId]!.Properties!.Policies ?? []) as { PolicyDocument: PolicyDoc }[]).map(
      (p) => p.PolicyDocument,
    ),
    ...resourcesOf(template, 'AWS::IAM::Policy')
      .filter((p) => (p.Properties!.Roles as { Ref?: string }[]).some((r) => r.Ref === roleId))
      .map((p) => p.Properties!.PolicyDocument as PolicyDoc),
  ];
  let removed = 0;
  for (const document of documents) {
    document.Statement = document.Statement.flatMap((statement) => {
      const actions = [statement.Action].flat();
      if (!actions.includes(action)) return [statement];
      removed += 1;
      const rest = actions.filter((a) => a !== action);
      return rest.length === 0 ? [] : [{ ...statement, Action: rest }];
    });
  }
  if (removed === 0) throw new Error(`no statement of ${roleName} grants ${action}`);
}

/** Takes `variable` out of the environment of the function whose role is `roleName`. */
function removeVariable(template: CfnTemplate, roleName: string, variable: string): void {
  const roleId = roleIdOf(template, roleName);
  const fn = resourcesOf(template, 'AWS::Lambda::Function').find(
    (f) => (f.Properties!.Role as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0] === roleId,
  );
  const variables = fn?.Properties?.Environment?.Variables as Record<string, unknown> | undefined;
  if (!variables || !(variable in variables))
    throw new Error(`the function of ${roleName} has no ${variable}`);
  delete variables[variable];
}

interface PolicyDoc {
  Statement: { Action: string | string[] }[];
}

function roleIdOf(template: CfnTemplate, roleName: string): string {
  const found = Object.entries(template.Resources).find(
    ([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties?.RoleName === roleName,
  );
  if (!found) throw new Error(`no role named ${roleName} in the template`);
  return found[0];
}

function resourcesOf(template: CfnTemplate, type: string): CfnResource[] {
  return Object.values(template.Resources).filter((r) => r.Type === type);
}

/** Each failed function invocation of the history, as Step Functions records it. */
function failedTasks(history: readonly HistoryEvent[]): { error: string; cause: string }[] {
  return history
    .filter((e) => e.type === 'LambdaFunctionFailed')
    .map((e) => {
      const details = e.lambdaFunctionFailedEventDetails as { error: string; cause: string };
      return { error: details.error, cause: details.cause };
    });
}

/** Runs the manual clock from wait to wait until the execution ends. */
async function finish(w: LocalWarden, clock: ManualClock, executionArn: string): Promise<ExecutionRecord> {
  for (let i = 0; i < 10_000; i++) {
    await settle(5);
    const record = w.runtime.describe(executionArn);
    if (record.status !== 'RUNNING') return record;
    const due = clock.nextDue();
    if (due !== undefined) await clock.advanceTo(due);
  }
  throw new Error(`${executionArn} did not finish`);
}
