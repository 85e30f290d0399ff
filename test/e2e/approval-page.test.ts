import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ManualClock } from '../../runtime/clock';
import { startHttpServer, type WardenHttpServer } from '../../runtime/http-server';
import type { LocalWarden } from '../../runtime/local-warden';
import type { ApprovalRequest } from '../../tasks/approval/contract';
import {
  type ApprovalWarden,
  approvalConfig,
  expectDecided,
  HOUR,
  makeApprovalRequest,
  START,
  startApprovalWarden,
  submit,
} from './approval-harness';
import { launchBrowser } from './browser';
import { layoutOf, linesOf } from './layout';

/**
 * The approval page in a real browser (found by `browser.ts`, driven by playwright-core), against
 * the local runtime: a workflow waits in a RequestApproval callback task, and the person at the
 * browser decides — or fails to, for all the reasons the page must refuse.
 */
// Only the tiny workflow below: the real ones are tested elsewhere and must not break this test.
jest.mock('../../workflows/index', () => ({ WORKFLOWS: [] }));

const ARTIFACTS = join(__dirname, '..', 'artifacts');

const config = approvalConfig(['alice', 'bob']);

function makeRequest(expiresAt: number): ApprovalRequest {
  return makeApprovalRequest(expiresAt, {
    addresses: [
      { cidr: '198.51.100.7/32', reason: 'remote address of an SSH brute force (TARGET)' },
      { cidr: '2001:db8:4::7/128', reason: 'remote address of an SSH brute force (TARGET)' },
    ],
    nacls: [
      {
        naclId: 'acl-0a1b2c3d4e5f60718',
        vpcId: 'vpc-0f1e2d3c4b5a69788',
        subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0b1b2c3d4e5f60718'],
      },
      {
        naclId: 'acl-0c1b2c3d4e5f60718',
        vpcId: 'vpc-0f1e2d3c4b5a69788',
        subnetIds: ['subnet-0c1b2c3d4e5f60718'],
      },
    ],
    blockMinutes: 1440,
  });
}

describe('approval page in a browser', () => {
  let warden: LocalWarden;
  let server: WardenHttpServer;
  let browser: Browser;
  let clock: ManualClock;
  let approvals: ApprovalWarden;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    approvals = await startApprovalWarden({
      name: 'approval-e2e',
      config,
      otherMembers: [{ id: '444444444444', name: 'data', email: 'data@example.com' }],
      request: makeRequest,
    });
    ({ warden, clock } = approvals);
    server = await startHttpServer({ warden });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await warden?.stop();
  });

  beforeEach(async () => {
    // One context and page for the file (a new one costs seconds); each test starts signed out.
    if (!context) {
      context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      page = await context.newPage();
      // A blocked stylesheet (a CSP that does not match) shows up here.
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
    }
    await context.clearCookies();
    consoleErrors = [];
  });

  const requestApproval = () => approvals.requestApproval();

  async function signIn(link: string, name: string): Promise<void> {
    await page.goto(link);
    await page.click('text=Sign in to approve or reject');
    await page.selectOption('#name', name);
    await page.click('#sign-in');
    await page.waitForURL(link);
  }

  const approval = (id: string) => approvals.approval(id);
  const callbacksSent = () => approvals.callbacksSent();
  const shot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `approval-${name}.png`), fullPage: true });

  it('decides nothing on a plain GET of the link or a prefetch of it', async () => {
    const { executionArn, link, approvalId } = await requestApproval();
    const sentBefore = callbacksSent();

    const opened = await page.goto(link);
    // The page's CSP forbids fetch() from it, so the prefetches go through the context's client.
    const prefetched = [];
    for (const target of [link, `${link}/approve`, `${link}/reject`]) {
      const response = await context.request.get(target, { headers: { Purpose: 'prefetch' } });
      prefetched.push(response.status());
    }

    expect(opened?.status()).toBe(200);
    expect(prefetched).toEqual([200, 405, 405]);
    expect(warden.runtime.describe(executionArn).status).toBe('RUNNING');
    expect(await approval(approvalId)).toMatchObject({ status: 'PENDING' });
    expect(callbacksSent()).toBe(sentBefore);
    expect(await page.locator('form').count()).toBe(0);
    await shot('signed-out');
  });

  it('approves: the execution succeeds with the approver and reason in its output; a replay is refused', async () => {
    const { executionArn, link } = await requestApproval();
    await signIn(link, 'alice');
    const csrf = await page.inputValue('input[name=csrf]');
    expect(await page.locator('header').evaluate((header) => getComputedStyle(header).backgroundColor)).toBe(
      'rgb(29, 36, 48)',
    );
    await shot('before-deciding');

    await page.fill('#reason', 'Known brute-force source; block it.');
    const response = await submit(page, '#approve');

    expect(response.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Approved');
    await shot('after-approve');
    await expectDecided(warden, executionArn, 'approved', {
      approver: 'alice',
      reason: 'Known brute-force source; block it.',
      decidedAt: new Date(START).toISOString(),
    });

    const sentBefore = callbacksSent();
    const replay = await context.request.post(`${link}/approve`, { form: { csrf, reason: '' } });
    expect(replay.status()).toBe(409);
    expect(callbacksSent()).toBe(sentBefore);
    expect(consoleErrors).toEqual([]);
  });

  it('rejects: the execution fails with ApprovalRejected naming the approver', async () => {
    const { executionArn, link } = await requestApproval();
    await signIn(link, 'bob');

    await page.fill('#reason', 'Our own penetration test.');
    const response = await submit(page, '#reject');

    expect(response.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Rejected');
    await shot('after-reject');
    await expectDecided(warden, executionArn, 'rejected', {
      approver: 'bob',
      reason: 'Our own penetration test.',
    });
  });

  it('fits a phone (375 px): no sideways overflow, no word or address split, the rule number explained', async () => {
    // Arrange
    const { link } = await requestApproval();
    const phone = await browser.newContext({ viewport: { width: 375, height: 800 }, isMobile: true });
    const small = await phone.newPage();

    // Act
    await small.goto(link);
    const layout = await layoutOf(small, 'main');
    const addressLines = await linesOf(small, 'code.addr');
    await small.screenshot({ path: join(ARTIFACTS, 'approval-phone.png'), fullPage: true });
    const ruleNumber = await small.locator('dl.rule dt:text("Rule number") + dd').first().textContent();
    await phone.close();

    // Assert
    expect(layout).toEqual({ overflowPx: 0, splitWords: [] });
    expect(addressLines.length).toBe(4); // two addresses, each in the table and in its rule
    expect(addressLines.every((lines) => lines === 1)).toBe(true);
    expect(ruleNumber).toContain('chosen when the block is applied: a free number in 1–90');
    expect(ruleNumber).not.toContain('lowest');
  });

  it('answers a forged id with 404 and a malformed one with 400', async () => {
    const forged = await page.goto(`${server.url}/approvals/${'A'.repeat(43)}`);
    expect(await page.locator('h1').textContent()).toBe('No such approval');
    await shot('error-unknown');
    const malformed = await page.goto(`${server.url}/approvals/..%2F..%2Fetc`);

    expect(forged?.status()).toBe(404);
    expect(malformed?.status()).toBe(400);
  });

  it('refuses a tampered CSRF token with 403 and changes nothing', async () => {
    const { executionArn, link, approvalId } = await requestApproval();
    await signIn(link, 'alice');
    const sentBefore = callbacksSent();

    await page.locator('input[name=csrf]').evaluate((input) => {
      const field = input as unknown as { value: string };
      field.value = `${field.value.slice(0, -2)}xx`;
    });
    const response = await submit(page, '#approve');

    expect(response.status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('This form cannot be accepted');
    await shot('error-csrf');
    expect(await approval(approvalId)).toMatchObject({ status: 'PENDING' });
    expect(warden.runtime.describe(executionArn).status).toBe('RUNNING');
    expect(callbacksSent()).toBe(sentBefore);
  });

  it('refuses a decision on an expired approval with 410 and sends nothing', async () => {
    const { executionArn, link, approvalId } = await requestApproval();
    await signIn(link, 'alice');
    const sentBefore = callbacksSent();

    await clock.advance(HOUR + 1000);
    const response = await submit(page, '#approve');

    expect(response.status()).toBe(410);
    expect(await page.locator('h1').textContent()).toBe('This approval has expired');
    await shot('error-expired');
    expect(await approval(approvalId)).toMatchObject({ status: 'PENDING' });
    expect(callbacksSent()).toBe(sentBefore);
    expect(await warden.runtime.waitFor(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'States.Timeout',
    });
    expect((await page.goto(link))?.status()).toBe(410);
  });
});

/** Runs in the browser; the test's TypeScript has no DOM library. */
declare function getComputedStyle(element: unknown): { backgroundColor: string };
