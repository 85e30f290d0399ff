import { buildStory, outcomeOf } from '../../../audit/story';
import {
  deliverBlockOnEverySubnet,
  historyOf,
  largestPayloadBytes,
  type ResponseHarness,
  startResponseHarness,
} from './harness';

/**
 * Defect 5: a port probe from many addresses against an instance in many subnets. Warden acts on
 * at most `response.maxAddressesPerFinding` of them, names the reason for the rest in the
 * decision and in the audit record, and every state of the execution stays far below Step
 * Functions' limit of 262,144 bytes of UTF-8 per state input or output (StateEnteredEventDetails,
 * StateExitedEventDetails, AWS Step Functions API Reference), which the local engine enforces.
 */
const ATTACKERS = 60;
const STATE_LIMIT = 256 * 1024;

describe('response workflow: a finding with more addresses than config allows (defect 5)', () => {
  let h: ResponseHarness;

  afterEach(() => h?.stop());

  it.each([
    // The config's maximum bounds it: 40 addresses × 4 subnets = 160 pairs.
    [4, 40, 'response.maxAddressesPerFinding'],
    // The pair budget bounds it: 16 subnets leave 10 addresses (160 pairs).
    [16, 10, 'at most 160 address-subnet pairs, over 16 subnets'],
  ])(
    'at the maximum of 40 addresses, in %i subnets, acts on %i of 60, names the reason, and keeps every state under 40% of 256 KiB',
    async (subnets, acting, why) => {
      const SUBNETS = subnets;
      const MAX = acting;
      h = await startResponseHarness({
        subnets: SUBNETS,
        response: { maxAddressesPerFinding: 40, naclRuleQuota: 40, ruleBand: { start: 1, end: 90 } },
      });
      const attackers = Array.from({ length: ATTACKERS }, (_, i) =>
        i % 2 ? `203.0.113.${100 + i}` : `2001:db8::${(i + 1).toString(16)}`,
      );

      // 160 (address, NACL) pairs take the block task a while: it waits until the execution waits for expiry.
      const intake = await deliverBlockOnEverySubnet(h, attackers, { id: 'wide-probe', severity: 8 });
      expect(historyOf(h.warden, intake.executionArn!).map((e) => e.type)).toContain('WaitStateEntered');

      // The decision: the policy's block, for the first MAX addresses only.
      expect(intake).toMatchObject({ decision: 'BLOCK_AUTO', reason: 'ADDRESS_LIMIT_EXCEEDED' });
      const history = historyOf(h.warden, intake.executionArn!);
      const input = JSON.parse((history[0]!.executionStartedEventDetails as { input: string }).input) as {
        triage: { addresses: { address: string; action: string; reason: string }[]; notes: string[] };
      };
      const acted = input.triage.addresses.filter((a) => a.action === 'BLOCK');
      const limited = input.triage.addresses.filter((a) => a.reason === 'ADDRESS_LIMIT_EXCEEDED');
      expect(acted.map((a) => a.address)).toEqual(attackers.slice(0, MAX));
      expect(limited.map((a) => [a.address, a.action])).toEqual(
        attackers.slice(MAX).map((a) => [a, 'NOTIFY']),
      );
      expect(input.triage.notes).toContain(
        `${ATTACKERS} addresses could be blocked; the first ${MAX} (${why}) are acted on and ${ATTACKERS - MAX} only notified`,
      );

      // The NACLs: no address past the limit is denied anywhere.
      const denied = new Set(
        h.network.naclIds.flatMap((nacl) =>
          h.warden.world.services.ec2
            .entries(nacl)
            .filter((e) => e.RuleAction === 'deny' && !e.Egress && e.RuleNumber! <= 90)
            .map((e) => (e.CidrBlock ?? e.Ipv6CidrBlock)!.replace(/\/(32|128)$/, '')),
        ),
      );
      expect(denied.size).toBeGreaterThan(0);
      for (const address of attackers.slice(MAX)) expect(denied.has(address)).toBe(false);

      // The audit record names the reason.
      const record = h.warden.runtime.describe(intake.executionArn!);
      const story = buildStory({ execution: { ...record }, events: [...history] });
      expect(story.triage).toMatchObject({ decision: 'BLOCK_AUTO', reason: 'ADDRESS_LIMIT_EXCEEDED' });
      expect(story.triage!.addresses.filter((a) => a.reason === 'ADDRESS_LIMIT_EXCEEDED')).toHaveLength(
        ATTACKERS - MAX,
      );
      expect(outcomeOf(story)).toContain('BLOCK_AUTO (ADDRESS_LIMIT_EXCEEDED)');

      // Every state, at the maximum, far below the limit.
      const largest = largestPayloadBytes(h, intake.executionArn!);
      expect(largest).toBeLessThan(STATE_LIMIT * 0.4);
    },
    600_000,
  );
});
