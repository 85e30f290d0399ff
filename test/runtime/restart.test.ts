import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../runtime/clock';
import { ExecutionStore } from '../../runtime/history';
import { startLocalWarden } from '../../runtime/local-warden';
import { waitForExecutions } from '../../runtime/onboarding-runner';
import { runCli } from '../fixtures/cli-run';
import { exampleConfig } from '../fixtures/served-warden';

/**
 * A local runtime started again on the same data folder gives executions names an earlier run
 * used (names come from findings and events); the earlier run's history and archive stay.
 */
const config = exampleConfig({ response: {} });

async function runOnce(dataDir: string, startedAt: string): Promise<string> {
  const warden = await startLocalWarden({
    config,
    members: [],
    clock: new ManualClock(Date.parse(startedAt)),
    dataDir,
    workflows: ['reconcile'],
  });
  try {
    const { executionArn } = warden.runtime.start(
      warden.stateMachines.reconcile!,
      { reportOnly: true },
      'reconcile-by-hand',
    );
    const [record] = await waitForExecutions(warden, [executionArn]);
    expect(record!.status).toBe('SUCCEEDED');
    return executionArn;
  } finally {
    await warden.stop();
  }
}

describe('a restart of the local runtime', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'warden-restart-'));
    await runOnce(dataDir, '2026-03-01T10:00:00Z');
    await runOnce(dataDir, '2026-03-01T11:00:00Z');
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps the history of the earlier execution of the same name beside the later one', () => {
    const machine = join(dataDir, 'executions', 'warden-reconcile');
    const folders = readdirSync(machine).sort();
    const starts = folders.map(
      (f) =>
        (JSON.parse(readFileSync(join(machine, f, 'execution.json'), 'utf8')) as { startDate: string })
          .startDate,
    );
    const lines = folders.map((f) =>
      readFileSync(join(machine, f, 'history.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean),
    );

    expect(folders).toEqual(['reconcile-by-hand', 'reconcile-by-hand~2']);
    expect(starts).toEqual(['2026-03-01T10:00:00.000Z', '2026-03-01T11:00:00.000Z']);
    // Each history starts at event 1 once: the later run appended nothing to the earlier file.
    for (const history of lines) expect(history.filter((l) => JSON.parse(l).id === 1)).toHaveLength(1);
  });

  it('keeps both archive objects, and audit --archive tells both stories under the one name', async () => {
    const day = join(dataDir, 'archive', 'executions', 'warden-reconcile', '2026', '03', '01');

    const run = await runCli(['audit', '--archive', join(dataDir, 'archive'), '--format', 'json']);

    expect(readdirSync(day).sort()).toEqual(['reconcile-by-hand.json', 'reconcile-by-hand~2.json']);
    expect(run.code).toBe(0);
    const { stories } = JSON.parse(run.stdout) as {
      stories: { execution: { name: string; startedAt: string } }[];
    };
    expect(stories.map((s) => [s.execution.name, s.execution.startedAt])).toEqual([
      ['reconcile-by-hand', '2026-03-01T11:00:00.000Z'],
      ['reconcile-by-hand', '2026-03-01T10:00:00.000Z'],
    ]);
  });

  it('reads back the later run when the folder is loaded by another process', () => {
    const store = ExecutionStore.load(dataDir);

    expect(store.list().map((r) => r.startDate)).toEqual(['2026-03-01T11:00:00.000Z']);
    expect(existsSync(join(dataDir, 'executions'))).toBe(true);
  });
});
