import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserNotFoundError, findChromium, launchBrowser } from './browser';

/** A machine with no browser anywhere: an empty PATH, an empty home, no variables. */
function bareMachine(): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'warden-bare-home-'));
  return { PATH: join(home, 'bin'), HOME: home };
}

function fakeExecutable(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe('findChromium', () => {
  it('prefers WARDEN_CHROMIUM, then CHROME_PATH', () => {
    const env = bareMachine();
    const named = fakeExecutable(join(env.HOME!, 'a'), 'my-chromium');
    const chrome = fakeExecutable(join(env.HOME!, 'b'), 'my-chrome');

    expect(findChromium({ env: { ...env, WARDEN_CHROMIUM: named, CHROME_PATH: chrome } })).toMatchObject({
      executablePath: named,
      source: 'WARDEN_CHROMIUM',
    });
    expect(findChromium({ env: { ...env, CHROME_PATH: chrome } })).toMatchObject({
      executablePath: chrome,
      source: 'CHROME_PATH',
    });
  });

  it('fails when a variable names something that is not an executable', () => {
    const env = bareMachine();

    expect(() => findChromium({ env: { ...env, WARDEN_CHROMIUM: '/nonexistent/chromium' } })).toThrow(
      new BrowserNotFoundError('WARDEN_CHROMIUM is /nonexistent/chromium, which is not an executable file'),
    );
  });

  it('finds chromium or chrome on PATH', () => {
    const env = bareMachine();
    const onPath = fakeExecutable(env.PATH!, 'google-chrome');

    expect(findChromium({ env })).toEqual({ executablePath: onPath, source: 'PATH', env: {} });
  });

  it("finds the newest browser in Playwright's cache", () => {
    const env = bareMachine();
    const cache = join(env.HOME!, '.cache', 'ms-playwright');
    fakeExecutable(join(cache, 'chromium-1100', 'chrome-linux'), 'chrome');
    const newest = fakeExecutable(join(cache, 'chromium-1200', 'chrome-linux'), 'chrome');

    expect(findChromium({ env })).toEqual({ executablePath: newest, source: 'playwright-cache', env: {} });
  });

  it('falls back to the Chromium inside @sparticuz/chromium on a machine with no browser, and it runs', async () => {
    const env = bareMachine();

    const found = findChromium({ env });
    expect(found.source).toBe('@sparticuz/chromium');

    const browser = await launchBrowser({ env });
    try {
      const page = await browser.newPage();
      await page.setContent('<main><h1>Warden</h1></main>');
      expect(await page.textContent('h1')).toBe('Warden');
    } finally {
      await browser.close();
    }
  });
});
