import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load';
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
    // --data-dir holds runtime.json too, not ./.warden.
    expect(JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')).sfnEndpoint).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+$/,
    );
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

  it('refuses a config whose allow-list or own CIDRs the never-block guard could not read, naming each', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-start-cidr-'));
    const file = join(dir, 'warden.json');
    const shipped = JSON.parse(readFileSync(join(__dirname, '..', '..', 'warden.config.json'), 'utf8'));
    shipped.response = {
      ...shipped.response,
      allowList: ['10.1.2.3/8', '1.2.3.4/33'],
      ownCidrs: ['198.051.100.7/32'],
    };
    writeFileSync(file, JSON.stringify(shipped));

    const run = await runCli(['start', '--once', '--config', file, '--data-dir', dir]);

    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'response.allowList.0: host bits must be zero in "10.1.2.3/8"; did you mean 10.0.0.0/8?',
    );
    expect(run.stderr).toContain(
      'response.allowList.1: prefix length must be a whole number from 0 to 32 for an IPv4 block, got "1.2.3.4/33"',
    );
    expect(run.stderr).toContain('response.ownCidrs.0: an octet has a leading zero in "198.051.100.7"');
  });

  it('refuses a config file that does not exist', async () => {
    const run = await runCli(['start', '--config', '/nonexistent/warden.json']);

    expect(run.code).not.toBe(0);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(run.stderr).toContain('/nonexistent/warden.json');
  });

  describe('on a port already in use', () => {
    let busy: Server;
    let port: number;
    beforeAll(async () => {
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      port = (busy.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

    it('says so and the process exits 1 instead of hanging', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'warden-busy-'));
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(__dirname, '..', '..', 'cli', 'main.ts'),
          'start',
          '--port',
          String(port),
          '--data-dir',
          dataDir,
        ],
        { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);

      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      clearTimeout(killer);

      expect(code).toBe(1);
      expect(stderr).toContain(`warden: cannot serve on 127.0.0.1:${port}: listen EADDRINUSE`);
    }, 120_000);

    it('--once uses the --port it is given', async () => {
      const run = await runCli([
        'start',
        '--once',
        '--port',
        String(port),
        '--data-dir',
        mkdtempSync(join(tmpdir(), 'warden-once-')),
      ]);

      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toMatch(new RegExp(`^warden: cannot serve on 127\\.0\\.0\\.1:${port}: `));
    });
  });

  it.each([
    [['nosuch', '--help'], "warden: unknown command 'nosuch' (see warden --help)"],
    [['start', '--port', 'eighty'], 'warden: --port must be a whole number from 0 to 65535, got eighty'],
    [
      ['onboard', 'not-an-account'],
      "warden: ACCOUNT_ID must be a 12-digit AWS account id, got 'not-an-account'",
    ],
  ])('treats %j as a usage error: one line, exit 2', async (args, message) => {
    const run = await runCli(args);

    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(message);
  });

  it('prints its version with --version', async () => {
    const run = await runCli(['--version']);

    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('ships a config that is a dry run, as the README says, and says the sandbox enforces anyway', async () => {
    const shipped = loadConfig(join(__dirname, '..', '..', 'warden.config.json'));
    expect(shipped.response.mode).toBe('dry-run');

    const run = await runCli([
      'start',
      '--once',
      '--data-dir',
      mkdtempSync(join(tmpdir(), 'warden-shipped-')),
    ]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('warden.config.json says dry-run; the sandbox enforces anyway');
  });
});
