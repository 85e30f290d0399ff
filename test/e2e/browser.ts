import { execFileSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type Browser, chromium, type LaunchOptions } from 'playwright-core';

/**
 * The browser the end-to-end tests drive, found the way a user's machine has one: a variable
 * naming it, a chromium or chrome on PATH, Playwright's browser cache; otherwise the Chromium that
 * `@sparticuz/chromium` ships inside its npm package, so `npm ci && npm test` needs no system
 * browser (it needs only libc, libexpat and libgcc from the system).
 */
export interface FoundBrowser {
  executablePath: string;
  /** Where it was found, for a failing test's message. */
  source: 'WARDEN_CHROMIUM' | 'CHROME_PATH' | 'PATH' | 'playwright-cache' | '@sparticuz/chromium';
  /** Extra environment the binary needs (the bundled one reads its fonts from its own folder). */
  env: Record<string, string>;
}

export class BrowserNotFoundError extends Error {
  override name = 'BrowserNotFoundError';
}

const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    // Not there or not executable: the next place is tried.
    return false;
  }
}

function onPath(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of PATH_NAMES) {
      const candidate = join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Playwright keeps its browsers in `PLAYWRIGHT_BROWSERS_PATH` or `~/.cache/ms-playwright`. */
function inPlaywrightCache(env: NodeJS.ProcessEnv): string | undefined {
  const root = env.PLAYWRIGHT_BROWSERS_PATH || join(env.HOME || homedir(), '.cache', 'ms-playwright');
  if (!existsSync(root)) return undefined;
  const folders = readdirSync(root)
    .filter((name) => /^chromium(_headless_shell)?-\d+$/.test(name))
    .sort()
    .reverse();
  for (const folder of folders) {
    for (const relative of [
      ['chrome-linux', 'chrome'],
      ['chrome-linux64', 'chrome'],
      ['chrome-linux', 'headless_shell'],
      ['chrome-headless-shell-linux64', 'chrome-headless-shell'],
    ]) {
      const candidate = join(root, folder, ...relative);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function fromVariable(env: NodeJS.ProcessEnv, name: 'WARDEN_CHROMIUM' | 'CHROME_PATH'): string | undefined {
  const value = env[name];
  if (!value) return undefined;
  if (!isExecutable(value)) {
    throw new BrowserNotFoundError(`${name} is ${value}, which is not an executable file`);
  }
  return value;
}

const PROJECT_ROOT = join(__dirname, '..', '..');

/** The package's `exports` hide its package.json from `require`, so it is read as a file. */
function sparticuzVersion(): string {
  const manifest = join(PROJECT_ROOT, 'node_modules', '@sparticuz', 'chromium', 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * Unpacks the bundled Chromium once per version. The package unpacks into `os.tmpdir()`, so a
 * child process does it into a private staging folder that is then renamed into place: parallel
 * test workers never see a half-written binary.
 */
function bundledChromium(cacheRoot: string): FoundBrowser {
  const folder = join(cacheRoot, `warden-chromium-${sparticuzVersion()}`);
  const executablePath = join(folder, 'chromium');
  if (!isExecutable(executablePath)) {
    const staging = `${folder}.staging-${process.pid}-${Date.now()}`;
    mkdirSync(staging, { recursive: true });
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const { default: c } = await import('@sparticuz/chromium'); process.stdout.write(await c.executablePath());",
      ],
      { cwd: PROJECT_ROOT, env: { ...process.env, TMPDIR: staging }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // The package's fonts.conf points at /tmp/fonts (Lambda's layout); ours points at this folder,
    // without fonts text has no size and Playwright sees no element as visible.
    writeFileSync(
      join(staging, 'warden-fonts.conf'),
      [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        '<fontconfig>',
        `  <dir>${join(folder, 'fonts', 'fonts')}</dir>`,
        '  <dir>/usr/share/fonts</dir>',
        `  <cachedir>${join(folder, 'fonts-cache')}</cachedir>`,
        '</fontconfig>',
        '',
      ].join('\n'),
    );
    try {
      renameSync(staging, folder);
    } catch (error) {
      // Another worker renamed its copy first; theirs is complete, ours is dropped.
      if (!isExecutable(executablePath)) throw error;
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return {
    executablePath,
    source: '@sparticuz/chromium',
    env: { FONTCONFIG_FILE: join(folder, 'warden-fonts.conf') },
  };
}

export interface FindOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the bundled Chromium is unpacked. @default - os.tmpdir() */
  cacheRoot?: string;
}

export function findChromium(options: FindOptions = {}): FoundBrowser {
  const env = options.env ?? process.env;
  for (const name of ['WARDEN_CHROMIUM', 'CHROME_PATH'] as const) {
    const path = fromVariable(env, name);
    if (path) return { executablePath: path, source: name, env: {} };
  }
  const fromPath = onPath(env);
  if (fromPath) return { executablePath: fromPath, source: 'PATH', env: {} };
  const cached = inPlaywrightCache(env);
  if (cached) return { executablePath: cached, source: 'playwright-cache', env: {} };
  return bundledChromium(options.cacheRoot ?? tmpdir());
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];

/** Launches the found browser headless; every e2e test starts its browser here. */
export async function launchBrowser(
  options: FindOptions & { launch?: LaunchOptions } = {},
): Promise<Browser> {
  const found = findChromium(options);
  return chromium.launch({
    ...options.launch,
    executablePath: found.executablePath,
    args: [...ARGS, ...(options.launch?.args ?? [])],
    env: { ...(options.env ?? process.env), ...found.env } as Record<string, string>,
  });
}
