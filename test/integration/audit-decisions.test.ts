import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuditStory } from '../../audit/model';
import { archiveDecisionToFolder, archiveToFolder } from '../../runtime/archive-folder';
import { type SfnEndpoint, startSfnEndpoint } from '../../runtime/sfn-endpoint';
import type { DecisionRecord } from '../../tasks/response/decision-record';
import { type CliRun, runCli } from '../fixtures/cli-run';
import { MEMBER, REGION, type ResponseHarness, startResponseHarness } from '../workflows/response/harness';
import { IGNORED, NOTIFIED } from './audit-decision-findings';

/**
 * An ignored finding starts no execution: the intake keeps a decision record, and `warden audit`
 * lists it beside the executions, from the local runtime's endpoint and from the archive folder,
 * with the same filters.
 */

let h: ResponseHarness;
let endpoint: SfnEndpoint;
let archive: string;
let record: DecisionRecord;

beforeAll(async () => {
  h = await startResponseHarness();
  const ignored = await h.deliver(IGNORED);
  if (!ignored.decisionRecord) throw new Error(`the ignored finding was ${ignored.outcome}`);
  record = ignored.decisionRecord;
  const notified = await h.deliver(NOTIFIED);
  await h.warden.runtime.waitFor(notified.executionArn!);
  endpoint = await startSfnEndpoint(h.warden.runtime);
  archive = mkdtempSync(join(tmpdir(), 'warden-decisions-'));
  archiveToFolder(h.warden.runtime.store, notified.executionArn!, archive);
  archiveDecisionToFolder(record, archive);
});

afterAll(async () => {
  await endpoint?.close();
  await h?.stop();
  if (archive) rmSync(archive, { recursive: true, force: true });
});

function stories(run: CliRun): AuditStory[] {
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { stories: AuditStory[] }).stories;
}

const fromEndpoint = async (...extra: string[]) =>
  stories(await runCli(['audit', '--format', 'json', '--endpoint', endpoint.url, ...extra]));
const fromArchive = async (...extra: string[]) =>
  stories(await runCli(['audit', '--format', 'json', '--archive', archive, ...extra]));

describe('warden audit lists the decisions of ignored findings', () => {
  it('shows the decision record beside the executions, with its finding, triage and policy version', async () => {
    const listed = await fromEndpoint();

    // Both began at 10:06; newest first, then by state machine (a record has none).
    expect(listed.map((s) => [s.execution.workflow, s.execution.status])).toEqual([
      ['ignored', 'RECORDED'],
      ['response', 'SUCCEEDED'],
    ]);
    const story = listed[0]!;
    expect(story.decision).toEqual({
      decidedAt: '2026-03-01T10:06:00.000Z',
      decidedBy: 'IntakeFinding',
      policyVersion: expect.stringMatching(/^sha256:[0-9a-f]{16}$/),
      keptUntil: expect.stringMatching(/^20(3[2-9])-/),
    });
    expect(story.execution).toMatchObject({ name: record.name, historyEvents: 0 });
    expect(story.trigger).toMatchObject({
      kind: 'guardduty-finding',
      findingId: IGNORED.id,
      type: IGNORED.type,
      severity: 2,
      accountId: MEMBER,
      region: REGION,
    });
    expect(story.triage).toMatchObject({ decision: 'IGNORE', reason: 'POLICY', severityBand: 'LOW' });
    expect(story.naclChanges).toEqual([]);
    expect(story.timeline.map((t) => t.state)).toEqual(['Ignore the finding']);
    expect(story.outcome).toBe('IGNORE');
  });

  it('tells the same stories from the archive folder', async () => {
    expect(await fromArchive()).toEqual(await fromEndpoint());
  });

  it('applies the filters to decision records as to executions', async () => {
    const names = (list: AuditStory[]) => list.map((s) => s.execution.workflow);

    expect(names(await fromEndpoint())).toEqual(['ignored', 'response']);
    expect(names(await fromEndpoint('--workflow', 'ignored'))).toEqual(['ignored']);
    expect(names(await fromEndpoint('--workflow', 'response'))).toEqual(['response']);
    expect(names(await fromEndpoint('--status', 'RECORDED'))).toEqual(['ignored']);
    expect(names(await fromEndpoint('--status', 'SUCCEEDED'))).toEqual(['response']);
    expect(names(await fromEndpoint('--finding', IGNORED.id))).toEqual(['ignored']);
    expect(names(await fromEndpoint('--account', '999999999999'))).toEqual([]);
    expect(names(await fromEndpoint('--since', '2026-03-01T10:07:00Z'))).toEqual([]);
    expect(names(await fromArchive('--until', '2026-03-01T10:05:00Z'))).toEqual([]);
    expect(names(await fromArchive('--workflow', 'ignored', '--finding', IGNORED.id))).toEqual(['ignored']);
  });

  it('counts decision records apart from executions in the table', async () => {
    const run = await runCli(['audit', '--endpoint', endpoint.url]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ignored\s+RECORDED/);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('1 execution, 1 decision record (ignored findings)');
  });
});
