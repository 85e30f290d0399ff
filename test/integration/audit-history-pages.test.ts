import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuditStory } from '../../audit/model';
import { ManualClock } from '../../runtime/clock';
import type { LocalRuntime } from '../../runtime/engine';
import { type SfnEndpoint, startSfnEndpoint } from '../../runtime/sfn-endpoint';
import { readExecution } from '../../tasks/audit/read-execution';
import { runCli } from '../fixtures/cli-run';
import { bareRuntime, COUNTDOWN } from '../fixtures/engine';

/**
 * A history longer than one page many times over (Step Functions caps a history at 25,000
 * events; the audit must not stop at any page boundary): 24,000 events, four per round of a
 * Pass/Choice loop, in a state machine named as Warden's response so that the audit lists it.
 */

let runtime: LocalRuntime;
let endpoint: SfnEndpoint;
let executionArn: string;

beforeAll(async () => {
  runtime = bareRuntime(new ManualClock(Date.parse('2026-02-01T00:00:00Z')));
  const arn = runtime.register({ name: 'warden-response', definition: COUNTDOWN, tasks: [] });
  executionArn = runtime.start(arn, { n: 0, limit: 5999 }, 'long-history').executionArn;
  await runtime.waitFor(executionArn);
  endpoint = await startSfnEndpoint(runtime);
}, 120_000);

afterAll(async () => {
  await endpoint?.close();
  await runtime?.shutdown();
});

describe('reading a 24,000-event history (Step Functions allows 25,000)', () => {
  it('reads every page, in order, 1,000 events at a time', async () => {
    const sfn = new SFNClient({
      endpoint: endpoint.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const pages: number[] = [];

    const archive = await readExecution(sfn, executionArn, (soFar) => pages.push(soFar));
    sfn.destroy();

    expect(pages).toEqual(Array.from({ length: 24 }, (_, i) => (i + 1) * 1000));
    expect(archive.events.map((e) => e.id)).toEqual(Array.from({ length: 24_000 }, (_, i) => i + 1));
    expect(archive.events.at(-1)!.type).toBe('ExecutionSucceeded');
  });

  it('tells the whole story through warden audit, with a progress bar on stderr', async () => {
    const run = await runCli(['audit', '--format', 'json', '--progress', '--endpoint', endpoint.url]);
    const [story] = JSON.parse(run.stdout).stories as AuditStory[];

    expect(run.code).toBe(0);
    expect(story!.execution.historyEvents).toBe(24_000);
    expect(story!.timeline).toHaveLength(2 * 5999 + 1);
    expect(story!.timeline.at(-1)!.state).toBe('Done');
    expect(story!.execution.status).toBe('SUCCEEDED');
    expect(run.stderr).toContain('] 1/1 executions · 24,000 events');
    expect(run.stderr.endsWith('\n')).toBe(true);
  });
});
