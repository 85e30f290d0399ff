import { parseConfig } from '../../config/load';
import type { WardenConfig, WardenConfigInput } from '../../config/schema';
import { DEFAULT_REGIONS } from '../../runtime/sandbox/account';

export const BENCH_SECURITY = '222222222222';

/**
 * The organisation the onboarding and scale benches onboard: every region the sandbox knows,
 * eu-west-1 at home, members invited. Each bench adds what it needs besides.
 */
export function benchConfig(
  extra: {
    organization?: Partial<WardenConfigInput['organization']>;
    response?: WardenConfigInput['response'];
  } = {},
): WardenConfig {
  return parseConfig({
    organization: {
      managementAccountId: '111111111111',
      securityAccountId: BENCH_SECURITY,
      homeRegion: 'eu-west-1',
      regions: [...DEFAULT_REGIONS],
      ...extra.organization,
    },
    onboarding: { mode: 'invitation' },
    response: extra.response ?? {},
  });
}
