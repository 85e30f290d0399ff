import {
  APPROVED_BLOCK_LIFTED_STORY,
  decide,
  PORT_PROBE,
  type ResponseHarness,
  startResponseHarness,
  story,
} from './harness';

const BRUTE_FORCE = { type: 'UnauthorizedAccess:EC2/SSHBruteForce', severity: 5, remoteIp: '203.0.113.20' };

function denies(h: ResponseHarness, cidr: string): number {
  return h.network.naclIds
    .flatMap((id) => h.warden.world.services.ec2.entries(id))
    .filter((e) => e.RuleAction === 'deny' && e.CidrBlock === cidr).length;
}

function categories(h: ResponseHarness): string[] {
  return h.warden.world.services.sns.outbox.map((m) => m.attributes.category!);
}

describe('response workflow paths', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it('ignores a low-severity finding: a decision record, no execution, nothing changed', async () => {
    h = await startResponseHarness();
    const intake = await h.deliver({
      type: 'Discovery:S3/AnomalousBehavior',
      severity: 2,
      actionType: 'AWS_API_CALL',
    });

    expect(intake.outcome).toBe('RECORDED');
    expect(intake.executionArn).toBeUndefined();
    // No execution of any workflow, so no billed state transition.
    expect(h.warden.runtime.list()).toEqual([]);
    expect(h.warden.runtime.stateTransitions).toBe(0);
    expect(h.warden.world.cloud.count({ service: 'sfn' })).toBe(0);
    expect(intake.decisionRecord).toMatchObject({
      kind: 'warden-decision',
      decidedBy: 'IntakeFinding',
      decidedAt: '2026-03-01T10:06:00.000Z',
      finding: { type: 'Discovery:S3/AnomalousBehavior', severity: 2 },
      triage: { decision: 'IGNORE', reason: 'POLICY', severityBand: 'LOW' },
    });
    expect(h.warden.world.cloud.count({ service: 'ec2', mutating: true })).toBe(0);
    expect(categories(h)).toEqual([]);
  });

  it('records an ignored finding once however often it is delivered, and starts nothing for its updates', async () => {
    h = await startResponseHarness();
    const ignored = {
      id: 'ignored-1',
      type: 'Discovery:S3/AnomalousBehavior',
      severity: 2,
      actionType: 'AWS_API_CALL',
    } as const;

    const first = await h.deliver(ignored);
    const again = await h.deliver(ignored);
    const update = await h.deliver({ ...ignored, count: 5 });

    expect([first.outcome, again.outcome, update.outcome]).toEqual(['RECORDED', 'DUPLICATE', 'UNCHANGED']);
    expect(h.warden.runtime.list()).toEqual([]);
  });

  it('notifies about a medium finding in its own alert category', async () => {
    h = await startResponseHarness();
    const intake = await h.deliver({
      type: 'Stealth:IAMUser/CloudTrailLoggingDisabled',
      severity: 5,
      actionType: 'AWS_API_CALL',
    });
    await h.warden.runtime.waitFor(intake.executionArn!);

    expect(story(h.warden, intake.executionArn!)).toEqual([
      'Decide what to do with the finding',
      'Check the input against the finding Warden recorded',
      'Notify people about the finding',
    ]);
    expect(categories(h)).toEqual(['CLOUDTRAIL_LOGGING_DISABLED']);
    expect(h.warden.world.cloud.count({ service: 'ec2', mutating: true })).toBe(0);
  });

  it('blocks after a person approves, then lifts the block when it expires', async () => {
    h = await startResponseHarness();
    const intake = await h.deliver(BRUTE_FORCE);
    await h.advance(0);
    expect(denies(h, '203.0.113.20/32')).toBe(0);
    expect(categories(h)).toEqual(['APPROVAL_REQUESTED']);

    const page = await decide(h, intake.executionArn!, 'approve', 'alice');
    await h.advance(0);

    expect(page.status).toBe(200);
    expect(denies(h, '203.0.113.20/32')).toBe(1);
    await h.advance(61);
    const record = await h.warden.runtime.waitFor(intake.executionArn!);
    expect(record.status).toBe('SUCCEEDED');
    expect(denies(h, '203.0.113.20/32')).toBe(0);
    expect(story(h.warden, intake.executionArn!)).toEqual(APPROVED_BLOCK_LIFTED_STORY);
    const output = JSON.parse(record.output!);
    expect(output.approval).toMatchObject({
      approved: true,
      approver: 'alice',
      reason: 'looks like an attack',
    });
    expect(output.block.lifted[0]).toMatchObject({ cidr: '203.0.113.20/32', outcome: 'EXPIRED_REMOVED' });
    expect(categories(h)).toEqual(['APPROVAL_REQUESTED', 'BLOCKED', 'UNBLOCKED']);
  });

  it('changes nothing when a person rejects the block', async () => {
    h = await startResponseHarness();
    const intake = await h.deliver(BRUTE_FORCE);
    await h.advance(0);

    await decide(h, intake.executionArn!, 'reject', 'bob', 'known scanner we tolerate');
    const record = await h.warden.runtime.waitFor(intake.executionArn!);

    expect(record.status).toBe('SUCCEEDED');
    expect(story(h.warden, intake.executionArn!).slice(-2)).toEqual([
      'Ask a person to approve the block',
      'Notify that the block was rejected',
    ]);
    expect(JSON.parse(record.output!).error.Error).toBe('ApprovalRejected');
    expect(h.warden.world.cloud.count({ service: 'ec2', mutating: true })).toBe(0);
    const rejection = h.warden.world.services.sns.outbox.at(-1)!;
    expect(rejection.attributes.category).toBe('APPROVAL_DECIDED');
    expect(rejection.message).toContain('bob');
  });

  it('does not block when nobody approves in time and policy says reject', async () => {
    h = await startResponseHarness({ response: { approval: { timeoutMinutes: 30, onTimeout: 'reject' } } });
    const intake = await h.deliver(BRUTE_FORCE);
    await h.advance(31);
    const record = await h.warden.runtime.waitFor(intake.executionArn!);

    expect(story(h.warden, intake.executionArn!).slice(-2)).toEqual([
      'Ask a person to approve the block',
      'Notify that nobody approved in time',
    ]);
    expect(record.status).toBe('SUCCEEDED');
    expect(denies(h, '203.0.113.20/32')).toBe(0);
  });

  it('blocks when nobody approves in time and policy says block', async () => {
    h = await startResponseHarness({ response: { approval: { timeoutMinutes: 30, onTimeout: 'block' } } });
    const intake = await h.deliver(BRUTE_FORCE);
    await h.advance(31);

    expect(story(h.warden, intake.executionArn!)).toContain(
      'Block anyway, as policy says when nobody answers',
    );
    expect(denies(h, '203.0.113.20/32')).toBe(1);
    await h.advance(61);
    expect((await h.warden.runtime.waitFor(intake.executionArn!)).status).toBe('SUCCEEDED');
    expect(denies(h, '203.0.113.20/32')).toBe(0);
  });

  it('decides and records but changes nothing in dry-run mode', async () => {
    h = await startResponseHarness({ response: { mode: 'dry-run' } });
    const intake = await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.30' });
    const record = await h.warden.runtime.waitFor(intake.executionArn!);

    expect(record.status).toBe('SUCCEEDED');
    expect(JSON.parse(record.output!).block.results[0]).toMatchObject({
      outcome: 'DRY_RUN',
      cidr: '203.0.113.30/32',
    });
    expect(h.warden.world.cloud.count({ service: 'ec2', mutating: true })).toBe(0);
    expect(h.warden.world.services.sns.outbox.at(-1)!.subject).toMatch(/^Dry run/);
  });

  it('blocks nothing when the kill switch is on', async () => {
    h = await startResponseHarness({ response: { killSwitch: true } });
    const intake = await h.deliver({ ...PORT_PROBE, remoteIp: '203.0.113.31' });
    const record = await h.warden.runtime.waitFor(intake.executionArn!);

    expect(record.status).toBe('SUCCEEDED');
    expect(h.warden.world.cloud.count({ service: 'ec2', mutating: true })).toBe(0);
    expect(JSON.parse(record.input).triage.reason).toBe('KILL_SWITCH');
  });
});
