import { ConfigError, parseConfig } from '../../../config/load';
import { createNeverBlockGuard } from '../../../tasks/response/addresses';

const organization = {
  managementAccountId: '111111111111',
  securityAccountId: '222222222222',
  homeRegion: 'eu-west-1',
  regions: ['eu-west-1'],
};

describe('config that cannot misfire (defects 6 and 11)', () => {
  it.each([
    [
      { response: { reconcileSchedule: 'rate(0 minutes)' } },
      'response.reconcileSchedule: the rate must be at least 1',
    ],
    [
      { response: { reconcileSchedule: 'rate(1 hours)' } },
      'response.reconcileSchedule: a rate of 1 takes a singular unit',
    ],
    [
      { response: { reconcileSchedule: 'rate(5 hour)' } },
      'response.reconcileSchedule: a rate above 1 takes a plural unit',
    ],
    [
      { response: { reconcileSchedule: 'every hour' } },
      'response.reconcileSchedule: must be rate(value unit) or cron',
    ],
    [{ response: { naclRuleQuota: 1 } }, 'response.naclRuleQuota: must be at least 2'],
  ])('refuses %j, naming the field', (override, message) => {
    const input = Object.assign({ organization, response: {} }, override);
    expect(() => parseConfig(input)).toThrow(ConfigError);
    expect(() => parseConfig(input)).toThrow(message);
  });

  it('accepts the schedules EventBridge accepts', () => {
    const config = parseConfig({
      organization,
      response: { reconcileSchedule: 'rate(1 hour)' },
      onboarding: { sweepSchedule: 'cron(0 3 * * ? *)' },
    });

    expect(config.response.reconcileSchedule).toBe('rate(1 hour)');
  });

  it('refuses an empty list of local approvers', () => {
    expect(() => parseConfig({ organization, response: {}, approvals: { localApprovers: [] } })).toThrow(
      /localApprovers: must name at least one approver/,
    );
  });

  it.each(['::ffff:198.51.100.201/128', '::ffff:c633:64c9/128'])(
    'an allow-list entry written IPv4-mapped (%s) protects the IPv4 address',
    (entry) => {
      const guard = createNeverBlockGuard({ allowList: [entry] });

      expect(guard('198.51.100.201')).toBe('ALLOW_LISTED');
      expect(guard('::ffff:198.51.100.201')).toBe('ALLOW_LISTED');
      expect(guard('198.51.100.202')).toBeNull();
    },
  );
});
