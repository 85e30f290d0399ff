import { ConfigError, parseConfig } from '../../../config/load';
import { EXAMPLE_ORGANIZATION as organization } from '../../fixtures/example-organization';

describe('parseConfig', () => {
  it('fills every default from a minimal config', () => {
    const config = parseConfig({ organization, response: {} });

    expect(config.response).toMatchObject({
      mode: 'dry-run',
      killSwitch: false,
      ruleBand: { start: 1, end: 90 },
      naclRuleQuota: 20,
    });
    expect(config.onboarding.mode).toBe('invitation');
  });

  it.each([
    [
      { response: { ruleBand: { start: 0, end: 90 } } },
      'response.ruleBand.start: must be between 1 and 32766, got 0',
    ],
    [
      { response: { ruleBand: { start: 50, end: 10 } } },
      'response.ruleBand.end: must be at least ruleBand.start (50), got 10',
    ],
    [
      { response: { ruleBand: { start: 1, end: 40000 } } },
      'response.ruleBand.end: must be between 1 and 32766, got 40000',
    ],
    [
      { organization: { ...organization, homeRegion: 'us-east-1' }, response: {} },
      'organization.regions: must include homeRegion us-east-1',
    ],
    [
      { organization: { ...organization, securityAccountId: '1234' }, response: {} },
      'organization.securityAccountId: must be a 12-digit AWS account id',
    ],
    [{ response: { allowList: ['not-a-cidr'] } }, 'response.allowList.0: must be a CIDR block'],
  ])('fails naming the field: %j', (override, message) => {
    expect(() => parseConfig(Object.assign({ organization, response: {} }, override))).toThrow(ConfigError);
    expect(() => parseConfig(Object.assign({ organization, response: {} }, override))).toThrow(message);
  });

  it('refuses a field it does not know', () => {
    expect(() => parseConfig({ organization, response: { blockMinute: 5 } })).toThrow(
      /response: Unrecognized key.*blockMinute/,
    );
  });
});
