import { startOnboarding } from '../../../tasks/onboarding/start-onboarding';
import type { TaskDeps } from '../../../tasks/shared/task';
import {
  finish,
  type Harness,
  MANAGEMENT,
  makeControlTowerEvent,
  SECURITY,
  startHarness,
} from '../../workflows/onboarding/harness';

/**
 * The onboarding intake against the local Warden: its SFNClient reaches the local runtime through
 * the sandbox, so "one execution" is counted where Step Functions would keep it.
 */
describe('startOnboarding', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ memberCount: 1 });
  });
  afterEach(() => h.warden.stop());

  const executions = () => h.warden.runtime.list(h.arn);
  const memberId = () => h.members[0]!.id;

  it('starts the onboarding workflow with the event unchanged, under the name derived from it', async () => {
    const event = makeControlTowerEvent({ accountId: memberId() });

    const result = await startOnboarding(event, h.warden.deps);

    expect(result).toMatchObject({ outcome: 'STARTED', accountId: memberId() });
    expect(executions()).toHaveLength(1);
    expect(JSON.parse(executions()[0]!.input)).toEqual(event);
    expect(result.outcome === 'STARTED' && result.executionArn).toBe(executions()[0]!.executionArn);
  });

  it('starts one execution for a duplicate delivery while the first still runs', async () => {
    const event = makeControlTowerEvent({ accountId: memberId(), eventId: 'dup' });
    const first = await startOnboarding(event, h.warden.deps);
    await h.clock.advance(5_000);

    const second = await startOnboarding(structuredClone(event), h.warden.deps);

    expect([first.outcome, second.outcome]).toEqual(['STARTED', 'DUPLICATE']);
    expect(executions()).toHaveLength(1);
  });

  it('reports a duplicate delivered after the first execution ended (ExecutionAlreadyExists), starting nothing', async () => {
    const event = makeControlTowerEvent({ accountId: memberId(), eventId: 'late' });
    const first = await startOnboarding(event, h.warden.deps);
    if (first.outcome !== 'STARTED') throw new Error(`expected STARTED, got ${first.outcome}`);
    await finish(h, first.executionArn);

    const again = await startOnboarding(event, h.warden.deps);

    expect(again).toMatchObject({ outcome: 'DUPLICATE', executionArn: first.executionArn });
    expect(executions()).toHaveLength(1);
  });

  it('starts separate executions for separate events about the same account', async () => {
    await startOnboarding(makeControlTowerEvent({ accountId: memberId(), eventId: 'a' }), h.warden.deps);
    await startOnboarding(
      makeControlTowerEvent({ accountId: memberId(), eventId: 'b', eventName: 'UpdateManagedAccount' }),
      h.warden.deps,
    );

    expect(executions()).toHaveLength(2);
  });

  it.each([
    ['a failed account creation', { state: 'FAILED' }, 'ACCOUNT_CREATION_NOT_SUCCEEDED'],
    ['another source', { source: 'aws.organizations' }, 'NOT_A_CONTROL_TOWER_EVENT'],
    ['another Control Tower event', { eventName: 'RegisterOrganizationalUnit' }, 'UNSUPPORTED_EVENT'],
    ['the management account', { accountId: MANAGEMENT }, 'MANAGEMENT_ACCOUNT'],
    ['the GuardDuty administrator', { accountId: SECURITY }, 'ADMINISTRATOR_ACCOUNT'],
    ['a malformed account id', { accountId: 'abc' }, 'MALFORMED_EVENT'],
  ])('ignores %s with a named reason and starts nothing', async (_what, options, reason) => {
    const result = await startOnboarding(makeControlTowerEvent(options), h.warden.deps);

    expect(result).toMatchObject({ outcome: 'IGNORED', reason });
    expect(executions()).toEqual([]);
  });

  it.each([
    ['a string', 'hello'],
    ['null', null],
    ['an object without a source', { detail: {} }],
  ])('ignores %s as a malformed event', async (_what, input) => {
    const result = await startOnboarding(input, h.warden.deps);

    expect(result).toMatchObject({ outcome: 'IGNORED', reason: 'MALFORMED_EVENT' });
    expect(executions()).toEqual([]);
  });

  it('fails with a named error when the deployment gave it no onboarding state machine', async () => {
    const deps: TaskDeps = { ...h.warden.deps, stateMachineArns: { response: 'arn:x' } };

    await expect(
      startOnboarding(makeControlTowerEvent({ accountId: memberId() }), deps),
    ).rejects.toMatchObject({
      name: 'OnboardingStateMachineUnknownError',
      message: 'STATE_MACHINE_ARNS has no onboarding entry; it names response',
    });
  });
});
