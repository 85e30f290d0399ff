import { describe, expect, it } from '@jest/globals';
import { CliError } from '../../../cli/cli-error';
import { runOnboard } from '../../../cli/commands/onboard';

const quiet = { write: () => undefined };

describe('warden onboard arguments', () => {
  it.each([
    [undefined, { config: 'warden.config.json', members: '3' }, 'give an ACCOUNT_ID to onboard, or --all'],
    ['300000000001', { all: true, config: 'warden.config.json', members: '3' }, 'not both'],
    [
      '12345',
      { config: 'warden.config.json', members: '3' },
      "ACCOUNT_ID must be a 12-digit AWS account id, got '12345'",
    ],
    ['300000000001', { config: 'missing.json', members: '3' }, 'config file missing.json does not exist'],
    ['300000000001', { config: 'warden.config.json', members: 'lots' }, '--members must be a whole number'],
  ])('refuses %s %j with a one-line CliError', async (account, options, message) => {
    const run = runOnboard(account, options, quiet, quiet);
    await expect(run).rejects.toBeInstanceOf(CliError);
    await expect(run).rejects.toThrow(message);
  });
});
