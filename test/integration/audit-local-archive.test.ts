import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { AuditStory } from '../../audit/model';
import { ManualClock } from '../../runtime/clock';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { archiveKey } from '../../tasks/shared/archive-format';
import { runCli } from '../fixtures/cli-run';
import { finish, makeConfig } from '../workflows/onboarding/harness';

/** With a data folder, the local runtime archives each execution the moment it ends. */
const dataDir = mkdtempSync(join(tmpdir(), 'warden-data-'));
let warden: LocalWarden | undefined;

afterAll(async () => {
  await warden?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the local archive', () => {
  it('holds every finished execution under <dataDir>/archive, readable by warden audit', async () => {
    const clock = new ManualClock();
    const members = demoMembers(1);
    warden = await startLocalWarden({
      config: makeConfig(),
      members,
      clock,
      dataDir,
      retryIntervalMs: 0,
      workflows: ['onboarding'],
    });

    const { executionArn } = warden.runtime.start(
      warden.stateMachines.onboarding!,
      { trigger: 'cli', accounts: [members[0]!.id] },
      'cli-archive-1',
    );
    const record = await finish({ warden, clock }, executionArn);
    await warden.runtime.waitFor(executionArn);

    expect(existsSync(join(dataDir, 'archive', ...archiveKey(record).split('/')))).toBe(true);
    const run = await runCli(['audit', '--format', 'json', '--archive', join(dataDir, 'archive')]);
    const stories = JSON.parse(run.stdout).stories as AuditStory[];
    expect(run.code).toBe(0);
    expect(
      stories.map((s) => [s.execution.name, s.execution.status, s.onboarding?.accounts[0]?.result]),
    ).toEqual([['cli-archive-1', 'SUCCEEDED', 'ONBOARDED']]);
    expect(stories[0]!.execution.historyEvents).toBe(warden.runtime.store.history(executionArn).length);
  });
});
