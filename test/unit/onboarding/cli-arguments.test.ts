import { describe, expect, it } from '@jest/globals';
import { CliError } from '../../../cli/cli-error';
import { runOnboard } from '../../../cli/commands/onboard';

const quiet = { write: () => undefined };

describe('warden onboard arguments', () => {
  it.each([
    [undefined, { timeout: '900' }, 'give an ACCOUNT_ID to onboard, or --all'],
    ['300000000001', { all: true, timeout: '900' }, 'not both'],
    ['12345', { timeout: '900' }, "ACCOUNT_ID must be a 12-digit AWS account id, got '12345'"],
    ['300000000001', { timeout: 'lots' }, '--timeout must be a whole number of seconds'],
    ['300000000001', { timeout: '900', region: 'middle-earth' }, '--region must be an AWS region'],
    ['300000000001', { timeout: '900', endpoint: 'notaurl' }, '--endpoint must be a URL'],
  ])('refuses %s %j with a one-line CliError', async (account, options, message) => {
    const run = runOnboard(account, options, quiet, quiet);
    await expect(run).rejects.toBeInstanceOf(CliError);
    await expect(run).rejects.toThrow(message);
  });
});
