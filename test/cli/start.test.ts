import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../fixtures/cli-run';

describe('warden start', () => {
  it('--once plays the whole scenario and exits 0 with every block lifted', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-start-'));

    const run = await runCli(['start', '--once', '--data-dir', dataDir]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '300000000099: ONBOARDED — eu-west-1 ENABLED, eu-central-1 ENABLED, us-east-1 ENABLED, ap-southeast-2 ENABLED',
    );
    expect(run.stdout).toMatch(
      /Blocked 203\.0\.113\.9\/32 in acl-\w+ \(account 300000000099, eu-west-1\) with inbound deny rule \d+ until /,
    );
    expect(run.stdout).toContain('alice approves the block (page answered 200).');
    expect(run.stdout).toContain('All executions succeeded; every block Warden added has been removed.');
  });

  it.each([
    [['start', '--port', 'eighty'], '--port must be a whole number from 0 to 65535, got eighty'],
    [['start', '--members', '0'], '--members must be a whole number from 1 to 50, got 0'],
    [['start', '--block-minutes', '-1'], '--block-minutes must be a whole number from 1 to 525600, got -1'],
  ])('refuses %j with one line and a non-zero exit', async (args, message) => {
    const run = await runCli(args);

    expect(run.code).not.toBe(0);
    expect(run.stderr.trim()).toBe(`warden: ${message}`);
  });

  it('refuses a config file that does not exist', async () => {
    const run = await runCli(['start', '--config', '/nonexistent/warden.json']);

    expect(run.code).not.toBe(0);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(run.stderr).toContain('/nonexistent/warden.json');
  });
});
