import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { type RecordedExecutions, recordExecutions, runAudit } from '../integration/audit-executions';
import { launchBrowser } from './browser';
import { layoutOf } from './layout';

/**
 * The HTML report as an auditor opens it: in a real browser, from a file, with nothing to load
 * from anywhere else. The screenshot lands in test/artifacts/ for a person to look at.
 */
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const REPORT = join(ARTIFACTS, 'audit-report.html');

let recorded: RecordedExecutions;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  recorded = await recordExecutions();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await recorded?.stop();
});

describe('warden audit --format html', () => {
  it('opens in chromium with the charts and every story, loading nothing else', async () => {
    const run = await runAudit('html', ['--out', REPORT, '--endpoint', recorded.responseEndpoint.url]);
    expect(run).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));

    await page.goto(pathToFileURL(REPORT).href);
    await page.screenshot({ path: join(ARTIFACTS, 'audit-report.png'), fullPage: true });

    expect(await page.title()).toBe('Warden audit report');
    expect(await page.locator('figure.chart h3').allTextContents()).toEqual([
      'Blocks per day',
      'Blocks by account',
      'Blocks by finding type',
      'Approval latency',
    ]);
    // One bar in each block chart, one per latency bucket (six, empty ones drawn flat).
    expect(await page.locator('figure.chart svg rect').count()).toBe(3 + 6);
    expect(await page.locator('article.story').count()).toBe(3);
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).toContain('known scanner, "tolerated", see ticket 42');
    expect(text).toContain('APPROVED by alice after 4m');
    expect(text).toContain('EXPIRED_REMOVED');
    expect(text).toContain('UnauthorizedAccess:EC2/SSHBruteForce');
    expect(requests).toEqual([pathToFileURL(REPORT).href]);
    await page.close();
  });

  it('fits a phone (375 px): no sideways overflow, no word split in the overview or the stories', async () => {
    // Arrange
    const narrow = join(ARTIFACTS, 'audit-report-phone.html');
    const run = await runAudit('html', ['--out', narrow, '--endpoint', recorded.responseEndpoint.url]);
    expect(run).toMatchObject({ code: 0 });
    const page = await browser.newPage({ viewport: { width: 375, height: 800 } });

    // Act
    await page.goto(pathToFileURL(narrow).href);
    const layout = await layoutOf(page);
    await page.screenshot({ path: join(ARTIFACTS, 'audit-report-phone.png'), fullPage: true });
    await page.close();

    // Assert
    expect(layout).toEqual({ overflowPx: 0, splitWords: [] });
  });
});
