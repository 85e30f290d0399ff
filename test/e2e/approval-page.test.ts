import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parseConfig } from '../../config/load';
import { ManualClock } from '../../runtime/clock';
import { startHttpServer, type WardenHttpServer } from '../../runtime/http-server';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import type { ApprovalRequest } from '../../tasks/approval/contract';
import { ApprovalStore } from '../../tasks/approval/store';
import { requestApprovalTask } from '../../tasks/response/request-approval';
import { callbackTask } from '../../workflows/asl';
import { launchBrowser } from './browser';

/**
 * The approval page in a real browser (found by `browser.ts`, driven by playwright-core), against
 * the local runtime: a workflow waits in a RequestApproval callback task, and the person at the
 * browser decides — or fails to, for all the reasons the page must refuse.
 */
// Only the tiny workflow below: the real ones are tested elsewhere and must not break this test.
jest.mock('../../workflows/index', () => ({ WORKFLOWS: [] }));

const ARTIFACTS = join(__dirname, '..', 'artifacts');
const START = Date.parse('2026-03-01T09:00:00Z');
const HOUR = 3_600_000;
const MEMBER = '333333333333';

const config = parseConfig({
  organization: {
    managementAccountId: '111111111111',
    securityAccountId: '222222222222',
    homeRegion: 'eu-west-1',
    regions: ['eu-west-1'],
  },
  response: { mode: 'enforce' },
  approvals: { localApprovers: ['alice', 'bob'] },
});

/** Just the approval, so this test does not depend on the whole response workflow. */
const approvalOnly = {
  StartAt: 'Ask a person to approve the block',
  States: {
    'Ask a person to approve the block': callbackTask({
      task: 'RequestApproval',
      payload: { 'request.$': '$.request', 'executionArn.$': '$$.Execution.Id' },
      timeoutSeconds: 3600,
      resultPath: '$.decision',
      next: 'Block approved',
    }),
    'Block approved': { Type: 'Succeed' },
  },
};

function makeRequest(expiresAt: number): ApprovalRequest {
  return {
    findingId: 'e2e0a1b2c3d4e5f60718293a4b5c6d7e',
    findingType: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 5.8,
    accountId: MEMBER,
    region: 'eu-west-1',
    instanceId: 'i-0123456789abcdef0',
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
    ruleBand: { start: 1, end: 90 },
    expiresAt: new Date(expiresAt).toISOString(),
    onTimeout: 'reject',
    dryRun: false,
  };
}

describe('approval page in a browser', () => {
  let warden: LocalWarden;
  let server: WardenHttpServer;
  let browser: Browser;
  let clock: ManualClock;
  let stateMachineArn: string;
  let context: BrowserContext;
  let page: Page;
  let consoleErrors: string[];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    clock = new ManualClock(START);
    warden = await startLocalWarden({
      config,
      clock,
      members: [
        { id: MEMBER, name: 'workloads', email: 'workloads@example.com' },
        { id: '444444444444', name: 'data', email: 'data@example.com' },
      ],
    });
    stateMachineArn = warden.runtime.register({
      name: 'approval-e2e',
      definition: approvalOnly,
      tasks: [requestApprovalTask],
    });
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

  /** Starts an execution and returns the link from the notification it sent. */
  async function requestApproval(): Promise<{ executionArn: string; link: string; approvalId: string }> {
    const outbox = warden.world.services.sns.outbox;
    const before = outbox.length;
    const { executionArn } = warden.runtime.start(stateMachineArn, {
      request: makeRequest(clock.now() + HOUR),
    });
    await until(() => outbox.length > before);
    const text = JSON.parse(outbox[outbox.length - 1]!.message).default as string;
    const link = /Review and decide: (\S+)/.exec(text)![1]!;
    return { executionArn, link, approvalId: link.split('/').pop()! };
  }

  async function signIn(link: string, name: string): Promise<void> {
    await page.goto(link);
    await page.click('text=Sign in to approve or reject');
    await page.selectOption('#name', name);
    await page.click('#sign-in');
    await page.waitForURL(link);
  }

  /** Clicks a button that posts the form; resolves with the POST's response once the page loaded. */
  async function submit(selector: string) {
    const posted = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.click(selector);
    const response = await posted;
    await page.waitForLoadState();
    return response;
  }

  const approval = (id: string) => ApprovalStore.fromDeps(warden.deps).get(id);
  const callbacksSent = () =>
    warden.world.cloud.calls.filter((c) => c.service === 'sfn' && c.operation.startsWith('SendTask')).length;
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
    const response = await submit('#approve');

    expect(response.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Approved');
    await shot('after-approve');
    const record = await warden.runtime.waitFor(executionArn);
    expect(record.status).toBe('SUCCEEDED');
    expect(JSON.parse(record.output!).decision).toMatchObject({
      approved: true,
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
    const response = await submit('#reject');

    expect(response.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Rejected');
    await shot('after-reject');
    const record = await warden.runtime.waitFor(executionArn);
    expect(record).toMatchObject({ status: 'FAILED', error: 'ApprovalRejected' });
    expect(JSON.parse(record.cause!)).toMatchObject({ approver: 'bob', reason: 'Our own penetration test.' });
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
    const response = await submit('#approve');

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
    const response = await submit('#approve');

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

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
