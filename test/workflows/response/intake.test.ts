import { intakeFinding } from '../../../tasks/response/intake';
import { makeFindingEvent } from '../../fixtures/findings';
import { MEMBER, PORT_PROBE, REGION, type ResponseHarness, startResponseHarness } from './harness';

describe('finding intake', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it.each([
    ['a missing account id', (e: any) => delete e.detail.accountId, /detail\.accountId/],
    [
      'an account id that is not 12 digits',
      (e: any) => (e.detail.accountId = '12345'),
      /detail\.accountId: must be a 12-digit account id/,
    ],
    ['a severity of 1e9', (e: any) => (e.detail.severity = 1e9), /detail\.severity/],
    [
      'an instance id that is a script',
      (e: any) => (e.detail.resource.instanceDetails.instanceId = '<script>alert(1)</script>'),
      /instanceId/,
    ],
  ])(
    'notifies a GuardDuty finding with %s, naming the field, and blocks nothing',
    async (_name, spoil, message) => {
      h = await startResponseHarness();
      const event = makeFindingEvent({ accountId: MEMBER, region: REGION, severity: 8 }) as any;
      spoil(event);

      const intake = await intakeFinding(event, h.warden.deps);

      expect(intake).toMatchObject({ outcome: 'STARTED', decision: 'NOTIFY', reason: 'UNTRUSTED_FINDING' });
      expect(intake.notes.join('\n')).toMatch(message);
      await h.warden.runtime.waitFor(intake.executionArn!);
      expect(h.warden.runtime.describe(intake.executionArn!).status).toBe('SUCCEEDED');
      expect(h.warden.world.cloud.count({ service: 'ec2', mutating: true })).toBe(0);
    },
  );

  it('refuses an event that is not a GuardDuty finding with a named error and changes nothing', async () => {
    h = await startResponseHarness();
    const event = makeFindingEvent({ accountId: MEMBER, region: REGION }) as any;
    event.source = 'aws.ec2';

    await expect(intakeFinding(event, h.warden.functionDeps('IntakeFinding'))).rejects.toMatchObject({
      name: 'InvalidFindingError',
      message: expect.stringMatching(/source/),
    });
    expect(h.warden.runtime.list()).toHaveLength(0);
    expect(h.warden.world.cloud.count({ mutating: true })).toBe(0);
  });

  it('never blocks a finding whose event region or ARN disagrees with it, and says why', async () => {
    h = await startResponseHarness();
    const event = makeFindingEvent({
      accountId: MEMBER,
      region: REGION,
      ...PORT_PROBE,
      remoteIp: '203.0.113.45',
    }) as any;
    event.region = 'ap-south-1';

    const intake = await intakeFinding(event, h.warden.deps);

    expect(intake).toMatchObject({ decision: 'NOTIFY', reason: 'ORIGIN_MISMATCH' });
    expect(intake.notes.join('\n')).toContain(
      `the event came from ap-south-1 but the finding is in ${REGION}`,
    );
  });

  it('keeps injection strings in text fields as data and starts one response', async () => {
    h = await startResponseHarness();
    const hostile = `'; DROP TABLE ledger; -- <img src=x onerror=alert(1)> {{7*7}} \${process.exit()}`;

    const intake = await h.deliver({
      type: 'Stealth:IAMUser/CloudTrailLoggingDisabled',
      severity: 5,
      actionType: 'AWS_API_CALL',
      title: hostile,
      description: hostile,
      tags: { Name: hostile },
    });
    await h.warden.runtime.waitFor(intake.executionArn!);

    expect(JSON.parse(h.warden.runtime.describe(intake.executionArn!).input).finding.title).toBe(hostile);
    expect(h.warden.runtime.describe(intake.executionArn!).status).toBe('SUCCEEDED');
  });

  it('recognises a duplicate delivery and starts nothing', async () => {
    h = await startResponseHarness();
    const first = await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.44' });

    const second = await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.44' });

    expect(first.outcome).toBe('STARTED');
    expect(second.outcome).toBe('DUPLICATE');
    expect(h.warden.runtime.list()).toHaveLength(1);
  });
});
