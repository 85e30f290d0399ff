import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuditStory } from '../../audit/model';
import { type CliRun, runCli } from '../fixtures/cli-run';
import { APPROVED_BLOCK_LIFTED_STORY, MEMBER, REGION } from '../workflows/response/harness';
import {
  APPROVED,
  HOME,
  ONBOARDED_MEMBER,
  OPT_IN,
  REJECTED,
  type RecordedExecutions,
  recordExecutions,
  runAudit,
  TIMED_OUT,
} from './audit-executions';

/**
 * `warden audit` over real executions of the local runtime, read through its Step Functions
 * endpoint and from the archive folder: the stories are checked field by field.
 */
let recorded: RecordedExecutions;
let archive: string;

beforeAll(async () => {
  recorded = await recordExecutions();
  archive = mkdtempSync(join(tmpdir(), 'warden-audit-'));
  recorded.archiveTo(archive);
});

afterAll(async () => {
  await recorded?.stop();
  if (archive) rmSync(archive, { recursive: true, force: true });
});

function parse(run: CliRun): { summary: Record<string, unknown>; stories: AuditStory[] } {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
}

async function responseStories(...extra: string[]) {
  return parse(await runAudit('json', ['--endpoint', recorded.responseEndpoint.url, ...extra])).stories;
}

function storyOf(stories: AuditStory[], findingId: string): AuditStory {
  const found = stories.find(
    (s) => s.trigger?.kind === 'guardduty-finding' && s.trigger.findingId === findingId,
  );
  if (!found) throw new Error(`no story for ${findingId}`);
  return found;
}

describe('warden audit --format json, from the local runtime endpoint', () => {
  it('tells the approved block: trigger, triage, approval, NACL change, lift, notifications', async () => {
    const story = storyOf(await responseStories(), APPROVED.id);

    expect(story.execution).toMatchObject({
      arn: recorded.arns.approved,
      stateMachine: 'warden-response',
      workflow: 'response',
      status: 'SUCCEEDED',
      startedAt: '2026-03-01T10:06:00.000Z',
      stoppedAt: '2026-03-01T11:10:00.000Z',
      durationSeconds: 3840,
    });
    expect(story.trigger).toEqual({
      kind: 'guardduty-finding',
      findingId: APPROVED.id,
      type: APPROVED.type,
      severity: 5,
      accountId: MEMBER,
      region: REGION,
      title: expect.stringContaining('203.0.113.20'),
      updatedAt: expect.any(String),
      count: 1,
    });
    expect(story.triage).toMatchObject({
      decision: 'BLOCK_WITH_APPROVAL',
      reason: 'POLICY',
      rule: 'brute force against our instance',
      policyAction: 'BLOCK_WITH_APPROVAL',
      dryRun: false,
      addresses: [
        {
          address: '203.0.113.20',
          cidr: '203.0.113.20/32',
          action: 'APPROVAL',
          reason: 'POLICY_BLOCK_WITH_APPROVAL',
        },
      ],
    });
    const nacl = story.naclChanges[0]!.naclId;
    expect(story.approval).toEqual({
      outcome: 'APPROVED',
      approver: 'alice',
      reason: 'looks like an attack',
      requestedAt: '2026-03-01T10:06:00.000Z',
      decidedAt: '2026-03-01T10:10:00.000Z',
      latencySeconds: 240,
      timeoutSeconds: 1800,
      onTimeout: null,
      proposedNacls: [nacl],
    });
    expect(story.naclChanges).toHaveLength(1);
    expect(story.naclChanges[0]).toMatchObject({
      at: '2026-03-01T10:10:00.000Z',
      state: 'Block the approved addresses in the network ACLs',
      accountId: MEMBER,
      region: REGION,
      cidr: '203.0.113.20/32',
      outcome: 'BLOCKED',
      ruleNumber: expect.any(Number),
      expiresAt: '2026-03-01T11:10:00.000Z',
      approvedBy: 'alice',
      evicted: null,
    });
    const rule = story.naclChanges[0]!.ruleNumber;
    expect(story.naclChanges[0]!.after).toContain(`${rule} deny all 203.0.113.20/32`);
    expect(story.naclChanges[0]!.subnetIds.length).toBeGreaterThan(0);
    expect(story.lifts).toEqual([
      {
        at: '2026-03-01T11:10:00.000Z',
        naclId: nacl,
        cidr: '203.0.113.20/32',
        ruleNumber: rule,
        outcome: 'EXPIRED_REMOVED',
      },
    ]);
    expect(story.extensions).toEqual([]);
    expect(story.notifications.map((n) => [n.state, n.category, n.published])).toEqual([
      ['Block the approved addresses in the network ACLs', 'BLOCKED', true],
      ['Notify that the blocks are lifted', 'UNBLOCKED', true],
    ]);
    expect(story.errors).toEqual([]);
    expect(story.onboarding).toBeNull();
    expect(story.timeline.map((t) => t.state)).toEqual(APPROVED_BLOCK_LIFTED_STORY);
    expect(story.outcome).toBe(
      `BLOCK_WITH_APPROVAL; approved by alice; blocked 203.0.113.20/32 in ${nacl} rule ${rule}; lifted (EXPIRED_REMOVED)`,
    );
  });

  it('tells the rejected block: who rejected, when, why, and that nothing changed', async () => {
    const story = storyOf(await responseStories(), REJECTED.id);

    expect(story.execution.status).toBe('SUCCEEDED');
    expect(story.approval).toMatchObject({
      outcome: 'REJECTED',
      approver: 'bob',
      reason: 'known scanner, "tolerated", see ticket 42',
      requestedAt: '2026-03-01T10:12:00.000Z',
      decidedAt: '2026-03-01T10:15:00.000Z',
      latencySeconds: 180,
      onTimeout: null,
    });
    expect(story.naclChanges).toEqual([]);
    expect(story.lifts).toEqual([]);
    expect(story.notifications.map((n) => [n.state, n.published])).toEqual([
      ['Notify that the block was rejected', true],
    ]);
    expect(story.errors).toEqual([]);
    expect(story.timeline.map((t) => t.state).slice(-2)).toEqual([
      'Ask a person to approve the block',
      'Notify that the block was rejected',
    ]);
    expect(story.outcome).toBe('BLOCK_WITH_APPROVAL; rejected by bob');
  });

  it('tells the approval nobody answered: timed out after the task timeout, nothing blocked', async () => {
    const story = storyOf(await responseStories(), TIMED_OUT.id);

    expect(story.trigger).toMatchObject({ findingId: TIMED_OUT.id, severity: 2 });
    expect(story.approval).toEqual({
      outcome: 'TIMED_OUT',
      approver: null,
      reason: null,
      requestedAt: '2026-03-01T10:15:00.000Z',
      decidedAt: '2026-03-01T10:45:00.000Z',
      latencySeconds: 1800,
      timeoutSeconds: 1800,
      onTimeout: 'NOT_BLOCKED',
      proposedNacls: [expect.stringMatching(/^acl-/)],
    });
    expect(story.naclChanges).toEqual([]);
    expect(story.errors).toEqual([]);
    expect(story.timeline.at(-1)!.state).toBe('Notify that nobody approved in time');
    expect(story.outcome).toBe('BLOCK_WITH_APPROVAL; nobody approved in time');
  });

  it('tells the onboarding: the request, the home region enabled, the opt-in region skipped', async () => {
    const run = await runAudit('json', ['--endpoint', recorded.onboardingEndpoint.url], 'onboarding');
    const [story, ...others] = parse(run).stories;

    expect(others).toEqual([]);
    expect(story!.execution).toMatchObject({
      arn: recorded.arns.onboarded,
      workflow: 'onboarding',
      status: 'SUCCEEDED',
    });
    expect(story!.trigger).toEqual({ kind: 'request', source: 'cli', accounts: [ONBOARDED_MEMBER] });
    expect(story!.triage).toBeNull();
    expect(story!.approval).toBeNull();
    expect(story!.onboarding).toEqual({
      skipped: false,
      reason: null,
      detail: null,
      accounts: [
        {
          accountId: ONBOARDED_MEMBER,
          name: 'member-01',
          result: 'ONBOARDED',
          reason: null,
          regions: [
            { region: HOME, outcome: 'ENABLED', kind: 'enabled', detail: null, error: null },
            {
              region: OPT_IN,
              outcome: 'REGION_NOT_ENABLED',
              kind: 'skipped',
              detail: expect.stringContaining(OPT_IN),
              error: null,
            },
          ],
        },
      ],
    });
    expect(story!.notifications).toEqual([
      expect.objectContaining({ category: 'ONBOARDING_RESULT', published: true }),
    ]);
    expect(story!.outcome).toBe(`${ONBOARDED_MEMBER} ONBOARDED; skipped ${OPT_IN} REGION_NOT_ENABLED`);
  });

  it('sums up blocks and approvals across the stories', async () => {
    const run = await runAudit('json', ['--endpoint', recorded.responseEndpoint.url]);
    const { summary } = parse(run);

    expect(summary).toMatchObject({
      executions: 3,
      blocks: 1,
      blocksPerDay: [{ key: '2026-03-01', count: 1 }],
      blocksByAccount: [{ key: MEMBER, count: 1 }],
      blocksByFindingType: [{ key: APPROVED.type, count: 1 }],
      approvals: { approved: 1, rejected: 1, timedOut: 1, pending: 0 },
      approvalLatencySeconds: [180, 240],
    });
  });
});

describe('filters', () => {
  it.each([
    [['--finding', REJECTED.id], [REJECTED.id]],
    [['--address', '203.0.113.20'], [APPROVED.id]],
    [['--address', '192.0.2.99/32'], [TIMED_OUT.id]],
    [
      ['--account', MEMBER],
      [TIMED_OUT.id, REJECTED.id, APPROVED.id],
    ],
    [['--account', '999999999999'], []],
    [
      ['--since', '2026-03-01T10:12:00Z'],
      [TIMED_OUT.id, REJECTED.id],
    ],
    [['--until', '2026-03-01T10:06:00Z'], [APPROVED.id]],
    [['--status', 'FAILED'], []],
    [
      ['--status', 'SUCCEEDED'],
      [TIMED_OUT.id, REJECTED.id, APPROVED.id],
    ],
  ])('%j keeps %j', async (args, findings) => {
    const stories = await responseStories(...args);

    expect(stories.map((s) => (s.trigger as { findingId: string }).findingId)).toEqual(findings);
  });
});

describe('the same stories from the archive folder', () => {
  it('renders identical JSON for the response executions', async () => {
    const fromEndpoint = await runAudit('json', ['--endpoint', recorded.responseEndpoint.url]);
    const fromArchive = await runAudit('json', ['--archive', archive], 'response');

    expect(fromArchive.stderr).toBe('');
    expect(fromArchive.code).toBe(0);
    expect(fromArchive.stdout).toBe(fromEndpoint.stdout);
  });

  it('renders identical JSON for the onboarding execution', async () => {
    const fromEndpoint = await runAudit(
      'json',
      ['--endpoint', recorded.onboardingEndpoint.url],
      'onboarding',
    );
    const fromArchive = await runAudit('json', ['--archive', archive], 'onboarding');

    expect(fromArchive.code).toBe(0);
    expect(fromArchive.stdout).toBe(fromEndpoint.stdout);
  });

  it('renders the same table and CSV from both', async () => {
    for (const format of ['table', 'csv']) {
      const fromEndpoint = await runAudit(format, ['--endpoint', recorded.responseEndpoint.url]);
      const fromArchive = await runAudit(format, ['--archive', archive], 'response');

      expect(fromArchive.stdout).toBe(fromEndpoint.stdout);
    }
  });
});

describe('warden audit --format table', () => {
  it('prints one aligned line per execution with who decided', async () => {
    const run = await runCli(['audit', '--endpoint', recorded.responseEndpoint.url]);
    const lines = run.stdout.trimEnd().split('\n');

    expect(run.code).toBe(0);
    expect(lines[0]).toMatch(
      /^STARTED\s+WORKFLOW\s+STATUS\s+TRIGGER\s+DECISION\s+APPROVAL\s+NACL CHANGES\s+OUTCOME$/,
    );
    expect(lines).toHaveLength(6);
    expect(lines[2]).toContain('TIMED_OUT after 30m');
    expect(lines[3]).toContain('REJECTED by bob after 3m');
    expect(lines[4]).toContain('APPROVED by alice after 4m');
    expect(lines[5]).toBe('3 executions');
    const statusColumn = lines[0]!.indexOf('STATUS');
    for (const line of lines.slice(2, 5))
      expect(line.slice(statusColumn, statusColumn + 9)).toBe('SUCCEEDED');
  });
});
