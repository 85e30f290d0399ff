import { readFindingEvent } from '../../../tasks/response/finding';
import { intakeFinding } from '../../../tasks/response/intake';
import { SAMPLE_FINDINGS } from '../../fixtures/sample-findings';
import { type ResponseHarness, startResponseHarness } from './harness';

/**
 * GuardDuty's sample findings, one per family, through the intake of an enforcing Warden: the
 * schema takes every one (none is rejected or untrusted), and every one is a dry run, whether it
 * starts the response workflow or is ignored and kept as a decision record.
 */
describe('sample findings of every family', () => {
  let h: ResponseHarness;
  beforeAll(async () => {
    h = await startResponseHarness({ response: { mode: 'enforce' } });
  });
  afterAll(() => h?.stop());

  it.each(SAMPLE_FINDINGS.map((s) => [s.family, s.event] as const))(
    'takes a %s sample as a finding and answers it as a dry run',
    async (_family, event) => {
      expect(readFindingEvent(event).kind).toBe('finding');

      const intake = await intakeFinding(event, h.warden.functionDeps('IntakeFinding'));

      // An ignored sample is kept as a decision record; any other starts the response workflow.
      expect(intake).toMatchObject({
        outcome: intake.decision === 'IGNORE' ? 'RECORDED' : 'STARTED',
        dryRun: true,
      });
      expect(intake.reason).not.toBe('UNTRUSTED_FINDING');
    },
  );

  it('changes nothing in any member account', async () => {
    await h.advance(0);

    expect(h.warden.world.cloud.count({ service: 'ec2', mutating: true })).toBe(0);
  });
});
