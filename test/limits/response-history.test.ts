import { parseConfig } from '../../config/load';
import { MAX_HISTORY_EVENTS } from '../../runtime/limits';
import { FindingsTable } from '../../tasks/response/findings-table';
import { allStates } from '../../workflows/asl';
import { eventsPerVisit, historyBound, UnboundedLoopError } from '../../workflows/history-bound';
import { buildResponseDefinition, MAX_WAITS, WAIT_LIMIT_REACHED } from '../../workflows/response/definition';
import { exampleOrganization } from '../fixtures/example-organization';
import type { FindingOptions } from '../fixtures/findings';
import {
  historyOf,
  PORT_PROBE,
  type ResponseHarness,
  recordPortProbe,
  startResponseHarness,
  story,
} from '../workflows/response/harness';

/**
 * The response workflow's history stays below Step Functions' 25,000 events (Step Functions
 * service quotas) in the longest life a block can have: the bound is computed from the
 * definition's states, Retry policies and its one loop (wait, lift, check, count), whose length
 * the definition caps at MAX_WAITS waits. A test drives a real execution to that cap.
 */
const WAIT = 'Wait until the next block expires';
/** GuardDuty's most frequent FindingPublishingFrequency: FIFTEEN_MINUTES (GuardDuty API Reference). */
const UPDATE_MINUTES = 15;
/** One finding acts on at most 160 address-subnet pairs; each may expire at its own moment. */
const PAIRS = 160;

function responseDefinition(onTimeout: 'block' | 'reject') {
  return buildResponseDefinition(
    parseConfig({
      organization: exampleOrganization(),
      response: { approval: { onTimeout } },
    }),
  );
}

describe('the response workflow’s history bound', () => {
  it.each(['block', 'reject'] as const)(
    'with approvals that time out to %s: the wait loop is the only loop, and it is bounded only by the count of waits',
    (onTimeout) => {
      const definition = responseDefinition(onTimeout);

      expect(() => historyBound(definition)).toThrow(UnboundedLoopError);
      for (const state of [WAIT, 'Lift the blocks that have expired', 'Are blocks still in place?'])
        expect(() => historyBound(definition)).toThrow(`"${state}"`);
      expect(historyBound(definition, { loops: { [WAIT]: MAX_WAITS } }).events).toBeGreaterThan(0);
    },
  );

  it.each(['block', 'reject'] as const)(
    `with approvals that time out to %s: every retry spent on every task through ${MAX_WAITS} waits stays under 25,000 events, and a week of 15-minute updates with 160 pairs expiring one by one under 40%% of it`,
    (onTimeout) => {
      const definition = responseDefinition(onTimeout);

      const worst = historyBound(definition, { loops: { [WAIT]: MAX_WAITS } });
      const weekOfUpdates = (7 * 24 * 60) / UPDATE_MINUTES + PAIRS;
      const realistic = historyBound(definition, { loops: { [WAIT]: weekOfUpdates }, withoutRetries: true });

      // One round: the wait (2), the lift with six transient retries (2 + 3 × 7), the check (2), the count (2).
      expect(worst.roundEvents[WAIT]).toBe(29);
      expect(worst.events).toBeLessThan(MAX_HISTORY_EVENTS);
      expect(weekOfUpdates).toBeLessThanOrEqual(MAX_WAITS);
      expect(realistic.events).toBeLessThan(MAX_HISTORY_EVENTS * 0.4);
    },
  );
});

/** Records a finding as the intake does and returns the response's execution input for it. */
async function recordedInput(h: ResponseHarness, options: FindingOptions) {
  const { event, triage } = await recordPortProbe(h, options);
  const { id, accountId, region, type, severity, updatedAt } = event.detail;
  return { finding: { id, accountId, region, type, severity, updatedAt }, triage };
}

/** The model's events per state, summed over the states an execution entered, and its start and end. */
function predictedEvents(entered: string[]): number {
  const states = allStates(responseDefinition('reject'));
  return (
    2 + entered.reduce((sum, name) => sum + eventsPerVisit(states.get(name)!, { withoutRetries: true }), 0)
  );
}

describe('a block extended for as long as GuardDuty keeps updating its finding', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it('counts its waits from the second one, and records exactly the events the bound counts for each state', async () => {
    // A block lasts 16 minutes and GuardDuty reports the finding again every 15: each wait ends
    // in an extension.
    h = await startResponseHarness({ response: { blockMinutes: 16 } });
    const probe = { ...PORT_PROBE, id: 'updated', remoteIp: '203.0.113.71' };
    const first = await h.deliver({ ...probe, count: 1 });
    await h.advance(0);
    const start = Date.parse('2026-03-01T10:05:00.000Z');
    for (let n = 1; n <= 3; n++) {
      await h.advance(UPDATE_MINUTES);
      const again = await h.deliver({
        ...probe,
        count: n + 1,
        updatedAt: new Date(start + n * UPDATE_MINUTES * 60_000).toISOString(),
      } as never);
      expect(again.outcome).toBe('EXTENDED');
    }
    await h.advance(20);
    const record = await h.warden.runtime.waitFor(first.executionArn!);

    expect(record.status).toBe('SUCCEEDED');
    const entered = story(h.warden, first.executionArn!);
    expect(entered.filter((name) => name === WAIT)).toHaveLength(4);
    expect(entered.filter((name) => name === 'Start counting the waits')).toHaveLength(1);
    expect(entered.filter((name) => name === 'Count the next wait')).toHaveLength(2);
    expect(entered.at(-1)).toBe('Notify that the blocks are lifted');
    expect(JSON.parse(record.output!).waits).toEqual({ count: 4 });
    expect(historyOf(h.warden, first.executionArn!)).toHaveLength(predictedEvents(entered));
  }, 120_000);

  it.each([
    // In range: the count is taken as it is, so the execution is that far along.
    [MAX_WAITS - 2, 3],
    // Out of range or not a number: the loop ends at the first check.
    [-1_000_000, 1],
    [1, 1],
    ['many', 1],
  ])(
    `with a count of %p in its input, ends after %i waits with ${WAIT_LIMIT_REACHED}, and the reconciler removes the entry once it has expired`,
    async (count, waits) => {
      h = await startResponseHarness({ response: { blockMinutes: 16 } });
      const input = await recordedInput(h, { id: 'endless', remoteIp: '203.0.113.70' });
      const { executionArn } = h.warden.runtime.start(h.warden.stateMachines.response, {
        ...input,
        waits: { count },
      });
      await h.advance(0);
      const findings = new FindingsTable(h.warden.deps);
      const start = h.clock.now();
      for (
        let n = 1;
        h.warden.runtime.describe(executionArn).status === 'RUNNING' && n <= 3 * waits + 3;
        n++
      ) {
        // What the intake records when GuardDuty reports the finding again while the block runs.
        const at = start + n * UPDATE_MINUTES * 60_000;
        await findings.recordUpdate(
          'endless',
          new Date(at).toISOString(),
          n + 1,
          new Date(at + 16 * 60_000).toISOString(),
        );
        await h.advance(UPDATE_MINUTES);
      }
      const record = await h.warden.runtime.waitFor(executionArn);

      expect(record.status).toBe('SUCCEEDED');
      expect(JSON.parse(record.output!).handOver).toMatchObject({ reason: WAIT_LIMIT_REACHED });
      const entered = story(h.warden, executionArn);
      expect(entered.filter((name) => name === WAIT)).toHaveLength(waits);
      expect(entered.at(-1)).toBe('Leave the remaining blocks to the reconciler');
      expect(historyOf(h.warden, executionArn)).toHaveLength(predictedEvents(entered));

      // The entry stays; once it has expired and the reconciler's grace has passed, it is removed.
      const denies = () =>
        h.warden.world.services.ec2
          .entries(h.network.naclIds[0]!)
          .filter((e) => e.CidrBlock === '203.0.113.70/32');
      expect(denies()).toHaveLength(1);
      await h.advance(16 + 15 + 1);
      const reconcile = h.warden.runtime.start(h.warden.stateMachines.reconcile, {});
      expect((await h.warden.runtime.waitFor(reconcile.executionArn)).status).toBe('SUCCEEDED');
      expect(denies()).toHaveLength(0);
    },
    120_000,
  );
});
