import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runCli } from '../fixtures/cli-run';

/**
 * Whatever goes wrong, `warden audit` says what in one line on stderr and exits non-zero; no
 * stack trace reaches the user.
 */
let folder: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'warden-audit-errors-'));
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function expectOneLineError(run: { code: number; stdout: string; stderr: string }, message: RegExp) {
  expect(run.code).not.toBe(0);
  expect(run.stdout).toBe('');
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

function archiveFile(name: string, content: string): string {
  const dir = join(folder, name, 'executions', 'warden-response', '2026', '03', '01');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'f-1.json'), content);
  return join(folder, name);
}

describe('warden audit fails with one clear line', () => {
  it.each([
    [['--format', 'xml'], /--format must be one of table, json, csv, html, got 'xml'/],
    [
      ['--workflow', 'nope'],
      /--workflow must be one of response, onboarding, reconcile, sweep, free-trial, ignored, got 'nope'/,
    ],
    [['--status', 'DONE'], /--status must be one of RUNNING, SUCCEEDED/],
    [['--since', 'yesterday'], /--since must be an ISO 8601 time or a time ago such as 7d/],
    [
      ['--since', '2026-03-02', '--until', '2026-03-01'],
      /--since \(2026-03-02T00:00:00.000Z\) is after --until/,
    ],
    [['--account', '12345'], /--account must be a 12-digit AWS account id, got '12345'/],
    [['--address', 'not-an-ip'], /--address must be an IPv4 or IPv6 address or CIDR/],
    [['--endpoint', 'ftp://x'], /--endpoint must be an http\(s\) URL/],
    [['--archive', 's3://A_B'], /--archive must be s3:\/\/bucket\[\/prefix\] or a folder/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('on bad arguments %j', async (args, message) => {
    const run = await runCli(['audit', '--archive', folder, ...args]);

    expectOneLineError(run, message);
    expect(run.code).toBe(2);
  });

  it('when the endpoint is unreachable', async () => {
    const port = await closedPort();

    const run = await runCli(['audit', '--endpoint', `http://127.0.0.1:${port}`]);

    expectOneLineError(
      run,
      new RegExp(
        `cannot reach Step Functions at http://127.0.0.1:${port} while listing state machines \\(ECONNREFUSED\\)`,
      ),
    );
  });

  it('when no local runtime is running and no source is given', async () => {
    const cwd = process.cwd();
    process.chdir(folder);
    try {
      const run = await runCli(['audit']);

      expectOneLineError(
        run,
        /no local runtime found \(\.warden\/runtime\.json does not exist\): start it with `npm start`/,
      );
    } finally {
      process.chdir(cwd);
    }
  });

  it('when the archive folder does not exist', async () => {
    const run = await runCli(['audit', '--archive', join(folder, 'missing')]);

    expectOneLineError(run, /archive .*missing does not exist/);
  });

  it('when an archive file is not JSON', async () => {
    const root = archiveFile('broken-json', '{"execution": ');

    const run = await runCli(['audit', '--archive', root]);

    expectOneLineError(run, /f-1\.json is not valid JSON/);
  });

  it('when an archive file is JSON but not an execution archive', async () => {
    const root = archiveFile('wrong-shape', JSON.stringify({ execution: { name: 'x' }, events: 'none' }));

    const run = await runCli(['audit', '--archive', root]);

    expectOneLineError(
      run,
      /f-1\.json is not a Warden execution archive \(\{ execution, events \}\): execution\.executionArn/,
    );
  });

  it('when an archive file cannot be read', async () => {
    // A link to nothing: unreadable even for root, who ignores file permissions.
    const root = join(folder, 'dangling');
    const day = join(root, 'executions', 'warden-response', '2026', '03', '01');
    mkdirSync(day, { recursive: true });
    symlinkSync(join(folder, 'nowhere.json'), join(day, 'f-2.json'));

    const run = await runCli(['audit', '--archive', root]);

    expectOneLineError(run, /cannot read .*f-2\.json: ENOENT/);
  });

  it('when the report cannot be written', async () => {
    const empty = join(folder, 'empty');
    mkdirSync(empty);

    const run = await runCli([
      'audit',
      '--archive',
      empty,
      '--out',
      join(folder, 'no', 'such', 'report.html'),
    ]);

    expectOneLineError(run, /cannot write .*report\.html: ENOENT/);
  });
});
