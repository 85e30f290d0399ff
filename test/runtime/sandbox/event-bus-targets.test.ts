import { ManualClock } from '../../../runtime/clock';
import { LocalRuntime } from '../../../runtime/engine';
import { type BusEvent, busArn } from '../../../runtime/sandbox/event-buses';
import { SfnSandbox } from '../../../runtime/sandbox/sfn';
import { buildOrganization, type SandboxOrganization } from '../../../runtime/sandbox/world';
import type { TaskDeps } from '../../../tasks/shared/task';
import { HOME_REGION, MANAGEMENT, MEMBER_A, makeClock, makeMember, SECURITY } from './fixtures';

/**
 * EventBridge's side of rule targets other than a Lambda function in the same account: another
 * bus (in another account or Region), with or without the target's role, and a state machine,
 * which EventBridge starts only as the target's role.
 */
const OTHER_REGION = 'us-east-1';
const EVENTS_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};

function organization(): SandboxOrganization {
  return buildOrganization({
    managementAccountId: MANAGEMENT,
    accounts: [makeMember({ id: SECURITY }), makeMember({ id: MEMBER_A })],
    regions: [HOME_REGION, OTHER_REGION],
    clock: makeClock().clock,
  });
}

function event(): BusEvent {
  return {
    version: '0',
    id: '00000000-0000-4000-8000-000000000001',
    'detail-type': 'Example Happened',
    source: 'example.app',
    account: MEMBER_A,
    time: '2026-03-01T09:00:00Z',
    region: HOME_REGION,
    resources: [],
    detail: { n: 1 },
  };
}

function eventRole(org: SandboxOrganization, account: string, name: string, allow: unknown[]): string {
  return org.services.iam.createRole(account, name, {
    trustPolicy: EVENTS_TRUST,
    inlinePolicies: { Send: { Version: '2012-10-17', Statement: allow } },
  }).arn;
}

function ruleTo(
  org: SandboxOrganization,
  target: { arn: string; roleArn?: string },
  where: { account?: string; region?: string } = {},
): string {
  const account = where.account ?? MEMBER_A;
  const region = where.region ?? HOME_REGION;
  org.services.events.putRule({
    name: 'Send',
    account,
    region,
    busName: 'default',
    pattern: { source: ['example.app'] },
    targets: [{ id: 'Target', ...target }],
  });
  return busArn(account, region, 'default');
}

/** The security account's bus in the home Region, admitting `principal` to put events. */
function securityBusAdmitting(org: SandboxOrganization, admit: Record<string, unknown>): string {
  const arn = busArn(SECURITY, HOME_REGION, 'default');
  org.services.events.putBusPolicy(arn, {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Admit', Effect: 'Allow', Action: 'events:PutEvents', Resource: arn, ...admit }],
  });
  return arn;
}

describe('event bus targets', () => {
  it('refuses a target bus in another Region when the rule gives no role', async () => {
    const org = organization();
    const target = busArn(MEMBER_A, OTHER_REGION, 'default');
    const from = ruleTo(org, { arn: target });

    const report = await org.services.events.deliver(org.cloud, from, event());

    expect(report.forwards).toEqual([
      expect.objectContaining({
        to: target,
        error: expect.objectContaining({ name: 'ValidationException' }),
      }),
    ]);
  });

  it("refuses another account's bus that admits the organisation when the rule gives no role", async () => {
    const org = organization();
    const target = securityBusAdmitting(org, {
      Principal: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': org.services.organizations.organizationId } },
    });
    const from = ruleTo(org, { arn: target });

    const report = await org.services.events.deliver(org.cloud, from, event());

    expect(report.forwards[0]!.error).toEqual(expect.objectContaining({ name: 'AccessDeniedException' }));
  });

  it("sends to another account's bus that admits the rule's account by its id when the rule gives no role", async () => {
    const org = organization();
    const target = securityBusAdmitting(org, { Principal: { AWS: `arn:aws:iam::${MEMBER_A}:root` } });
    const from = ruleTo(org, { arn: target });

    const report = await org.services.events.deliver(org.cloud, from, event());

    expect(report.forwards).toEqual([{ rule: 'Send', from, to: target }]);
  });

  it("sends to another account's bus that admits the organisation as the target's role", async () => {
    const org = organization();
    const target = securityBusAdmitting(org, {
      Principal: '*',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': org.services.organizations.organizationId } },
    });
    const roleArn = eventRole(org, MEMBER_A, 'SendToSecurity', [
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: target },
    ]);
    const from = ruleTo(org, { arn: target, roleArn });

    const report = await org.services.events.deliver(org.cloud, from, event());

    expect(report.forwards).toEqual([{ rule: 'Send', from, to: target }]);
  });

  it("refuses a target's role from another account than the rule's bus", async () => {
    const org = organization();
    const target = securityBusAdmitting(org, { Principal: { AWS: `arn:aws:iam::${MEMBER_A}:root` } });
    const roleArn = eventRole(org, SECURITY, 'ElsewhereRole', [
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: target },
    ]);
    const from = ruleTo(org, { arn: target, roleArn });

    const report = await org.services.events.deliver(org.cloud, from, event());

    expect(report.forwards[0]!.error).toEqual(
      expect.objectContaining({
        name: 'ValidationException',
        message: expect.stringContaining('same account'),
      }),
    );
  });
});

describe('state machine targets', () => {
  const MACHINE = 'example-machine';
  let runtime: LocalRuntime | undefined;
  afterEach(() => runtime?.shutdown());

  function withStateMachine(org: SandboxOrganization): string {
    runtime = new LocalRuntime({
      deps: {} as TaskDeps,
      clock: new ManualClock(Date.parse('2026-03-01T09:00:00Z')),
      account: MEMBER_A,
      region: HOME_REGION,
    });
    org.cloud.register(new SfnSandbox(runtime));
    return runtime.register({
      name: MACHINE,
      definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } as never,
    });
  }

  it('starts an execution with the event as its input, as the target role', async () => {
    const org = organization();
    const machine = withStateMachine(org);
    const roleArn = eventRole(org, MEMBER_A, 'StartExample', [
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: machine },
    ]);
    const from = ruleTo(org, { arn: machine, roleArn });

    const report = await org.services.events.deliver(org.cloud, from, event());

    const [started] = report.executions!;
    expect(started).toEqual({ rule: 'Send', stateMachineArn: machine, executionArn: expect.any(String) });
    expect(JSON.parse(runtime!.describe(started!.executionArn!).input)).toEqual(event());
  });

  it("fails the target with Step Functions' AccessDenied when the role does not allow states:StartExecution", async () => {
    const org = organization();
    const machine = withStateMachine(org);
    const roleArn = eventRole(org, MEMBER_A, 'StartSomethingElse', [
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: `${machine}-other` },
    ]);
    const from = ruleTo(org, { arn: machine, roleArn });

    const report = await org.services.events.deliver(org.cloud, from, event());

    expect(report.executions).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ name: 'AccessDeniedException' }) }),
    ]);
    expect(runtime!.list(machine)).toEqual([]);
  });

  it('refuses a state machine target without a role', async () => {
    const org = organization();
    const machine = withStateMachine(org);
    const from = ruleTo(org, { arn: machine });

    const report = await org.services.events.deliver(org.cloud, from, event());

    expect(report.executions![0]!.error).toEqual(expect.objectContaining({ name: 'ValidationException' }));
    expect(runtime!.list(machine)).toEqual([]);
  });
});
