import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parseConfig } from '../../config/load';
import { ManualClock } from '../../runtime/clock';
import { mountConsole } from '../../runtime/console';
import { startHttpServer, type WardenHttpServer } from '../../runtime/http-server';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { buildMemberNetwork, type MemberNetwork } from '../../runtime/scenario/network';
import { ApprovalStore } from '../../tasks/approval/store';
import { onboardingExecutionName } from '../../tasks/onboarding/execution-name';
import { intakeFinding } from '../../tasks/response/intake';
import { Ledger } from '../../tasks/response/ledger';
import { type FindingOptions, makeFindingEvent, networkInterfacesOf } from '../fixtures/findings';
import { finish } from '../workflows/onboarding/harness';
import { launchBrowser } from './browser';
import { layoutOf } from './layout';

/**
 * The console in a real browser (found by `browser.ts`, driven by playwright-core). The state it
 * shows is made the way production makes it: the onboarding workflow onboards two of three
 * member accounts, a high-severity port probe goes through the response intake and is blocked
 * automatically, and an SSH brute force waits for a person's approval.
 */
const ARTIFACTS = join(__dirname, '..', 'artifacts');
const SECURITY = '222222222222';
const REGIONS = ['eu-west-1', 'us-east-1'];
const [ONBOARDED_1, ONBOARDED_2, NOT_ONBOARDED] = demoMembers(3);
const PROBER = '203.0.113.9';
const BRUTE_FORCER = '198.51.100.23';

const config = parseConfig({
  organization: {
    managementAccountId: '111111111111',
    securityAccountId: SECURITY,
    homeRegion: REGIONS[0],
    regions: REGIONS,
  },
  onboarding: { mode: 'invitation' },
  response: { mode: 'enforce', ruleBand: { start: 1, end: 90 }, blockMinutes: 60 },
  approvals: { localApprovers: ['alice'] },
});

describe('console in a browser', () => {
  let warden: LocalWarden;
  let clock: ManualClock;
  let server: WardenHttpServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let network: MemberNetwork;
  let blockExecutionArn: string;
  let approvalExecutionArn: string;
  let approvalLink: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    clock = new ManualClock(Date.parse('2026-03-01T10:00:00Z'));
    warden = await startLocalWarden({
      config,
      clock,
      members: [ONBOARDED_1!, ONBOARDED_2!, NOT_ONBOARDED!],
      retryIntervalMs: 0,
      workflows: ['onboarding', 'response'],
    });
    server = await startHttpServer({ warden });
    mountConsole(server, warden);
    browser = await launchBrowser();
    await createState();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    // A stylesheet the CSP blocks (a hash that does not match) shows up here.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    await warden?.stop();
  });

  /** Everything the console is to show, made through the runtime as in production. */
  async function createState(): Promise<void> {
    const request = { trigger: 'cli', accounts: [ONBOARDED_1!.id, ONBOARDED_2!.id] };
    const { executionArn } = warden.runtime.start(
      warden.stateMachines.onboarding!,
      request,
      onboardingExecutionName(request, new Date(clock.now())),
    );
    // Onboarding waits between checks; the blocks come after, so that no expiry passes meanwhile.
    expect((await finish({ warden, clock }, executionArn)).status).toBe('SUCCEEDED');

    network = buildMemberNetwork(warden.world.services.ec2, ONBOARDED_1!.id, REGIONS[0]!);
    const probe = await deliver({
      type: 'Recon:EC2/PortProbeUnprotectedPort',
      severity: 8,
      remoteIp: PROBER,
    });
    expect(probe).toMatchObject({ outcome: 'STARTED', decision: 'BLOCK_AUTO' });
    blockExecutionArn = probe.executionArn!;
    const bruteForce = await deliver({
      id: 'b7e0c1d2e3f4a5b6c7d8e9f0a1b2c3d4',
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      severity: 2,
      remoteIp: BRUTE_FORCER,
    });
    expect(bruteForce).toMatchObject({ outcome: 'STARTED', decision: 'BLOCK_WITH_APPROVAL' });
    approvalExecutionArn = bruteForce.executionArn!;

    const ledger = new Ledger(warden.deps);
    const store = ApprovalStore.fromDeps(warden.deps);
    await until(async () => (await ledger.allActive()).some((b) => b.state === 'ACTIVE'));
    await until(async () => (await store.listPending()).length === 1);
    const message = warden.world.services.sns.outbox.find(
      (m) => m.attributes.category === 'APPROVAL_REQUESTED',
    );
    approvalLink = /\/approvals\/[A-Za-z0-9_-]{43}/.exec(message!.message)![0];
  }

  function deliver(finding: FindingOptions) {
    const interfaces = networkInterfacesOf(network);
    return intakeFinding(
      makeFindingEvent({
        accountId: ONBOARDED_1!.id,
        region: REGIONS[0],
        instanceId: network.instanceId,
        networkInterfaces: interfaces,
        ...finding,
      }),
      warden.functionDeps('IntakeFinding'),
    );
  }

  const shot = (name: string) =>
    page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true });
  const cellTexts = (accountId: string) =>
    page.locator(`#coverage tr[data-account="${accountId}"] td`).allInnerTexts();

  it('opens at / and shows every onboarded account Enabled in every region', async () => {
    const response = await page.goto(`${server.url}/`);

    expect(page.url()).toBe(`${server.url}/console`);
    expect(response?.status()).toBe(200);
    expect(response?.headers().refresh).toBe('10');
    expect(await page.locator('h1').textContent()).toBe('Warden console');
    expect(await cellTexts(ONBOARDED_1!.id)).toEqual(['✓ Enabled', '✓ Enabled']);
    expect(await cellTexts(ONBOARDED_2!.id)).toEqual(['✓ Enabled', '✓ Enabled']);
    expect(await cellTexts(NOT_ONBOARDED!.id)).toEqual(['– Not a member', '– Not a member']);
    const enabledCell = page.locator(`#coverage tr[data-account="${ONBOARDED_1!.id}"] .cell.ok`).first();
    expect(await enabledCell.evaluate((cell) => getComputedStyle(cell).backgroundColor)).toBe(
      'rgb(233, 246, 238)',
    );
    expect(consoleErrors).toEqual([]);
    await shot('overview');
  });

  it('shows the automatic block with its NACL, rule number, address, expiry and finding', async () => {
    const nacl = network.naclIds[0]!;
    const entry = warden.world.services.ec2
      .entries(nacl)
      .find((e) => e.RuleAction === 'deny' && e.CidrBlock === `${PROBER}/32`);
    await page.goto(`${server.url}/console`);

    const rows = page.locator('#blocks tbody tr');
    const cells = await rows.first().locator('td').allInnerTexts();

    expect(await rows.count()).toBe(1);
    expect(cells[0]).toBe(`${PROBER}/32`);
    expect(cells[1]).toContain(nacl);
    expect(cells[2]).toBe(String(entry!.RuleNumber));
    expect(cells[3]).toBe('in 1 h\n2026-03-01 11:00:00 UTC');
    expect(cells[4]).toContain('Recon:EC2/PortProbeUnprotectedPort');
    expect(cells[5]).toBe('policy');
  });

  it('links the pending approval to a working approval page, and never shows its task token', async () => {
    const [pending] = await ApprovalStore.fromDeps(warden.deps).listPending();
    const record = await ApprovalStore.fromDeps(warden.deps).get(pending!.pk);
    const html = await (await page.goto(`${server.url}/console`))!.text();
    const row = page.locator('#approvals tbody tr');

    expect(await row.count()).toBe(1);
    expect(await row.locator('td').nth(2).textContent()).toBe(`${BRUTE_FORCER}/32`);
    expect(html).not.toContain(record!.taskToken);
    expect(html).not.toContain(record!.csrfNonce);
    expect(await row.locator('a', { hasText: 'story' }).getAttribute('href')).toBe(
      `/console/executions/warden-response/${approvalExecutionArn.split(':').at(-1)}`,
    );
    await row.locator('a', { hasText: 'Review and decide' }).click();
    await page.waitForLoadState();

    expect(new URL(page.url()).pathname).toBe(approvalLink);
    expect(await page.locator('main').textContent()).toContain('UnauthorizedAccess:EC2/SSHBruteForce');
    expect(await page.locator('text=Sign in to approve or reject').count()).toBe(1);
    await shot('approval');
  });

  it('opens the story of an execution from its link', async () => {
    const name = blockExecutionArn.split(':').at(-1)!;
    await page.goto(`${server.url}/console`);

    await page.locator('#executions a', { hasText: name }).click();
    await page.waitForLoadState();

    expect(new URL(page.url()).pathname).toBe(`/console/executions/warden-response/${name}`);
    expect(await page.locator('.story h3').textContent()).toBe(`response · ${name}`);
    expect(await page.locator('.story .outcome').textContent()).toContain(
      `blocked ${PROBER}/32 in ${network.naclIds[0]}`,
    );
    expect(consoleErrors).toEqual([]);
    await shot('story');
  });

  it('shows the console and a story on a phone (375 px): no sideways overflow, no word split', async () => {
    // Arrange
    const name = blockExecutionArn.split(':').at(-1)!;
    const phone = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const small = await phone.newPage();

    // Act
    await small.goto(`${server.url}/console/executions/warden-response/${name}`);
    const story = await layoutOf(small, 'main');
    await small.screenshot({ path: join(ARTIFACTS, 'console-story-phone.png'), fullPage: true });
    await small.goto(`${server.url}/console`);
    const overview = await layoutOf(small, 'main');
    await phone.close();

    // Assert
    expect(story).toEqual({ overflowPx: 0, splitWords: [] });
    expect(overview).toEqual({ overflowPx: 0, splitWords: [] });
  });

  it('lists the onboarding run among the recent executions, linked to its story', async () => {
    await page.goto(`${server.url}/console`);
    const onboardingRow = page.locator('#executions tbody tr', { hasText: 'onboarding' });

    await onboardingRow.locator('a').click();
    await page.waitForLoadState();

    expect(await page.locator('.story .outcome').textContent()).toContain(`${ONBOARDED_1!.id} ONBOARDED`);
  });

  it('only reads: a POST is refused, and an unknown story is a 404', async () => {
    const post = await fetch(`${server.url}/console`, { method: 'POST', body: '' });
    const missing = await fetch(`${server.url}/console/executions/warden-response/no-such-run`);
    const malformed = await fetch(`${server.url}/console/executions/..%2F..%2Fetc/x`);

    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('No such execution');
    expect(malformed.status).toBe(404);
  });
});

/** Runs in the browser; the test's TypeScript has no DOM library. */
declare function getComputedStyle(element: unknown): { backgroundColor: string };

/** Polls in real time: the tasks reach DynamoDB (dynalite) over HTTP. */
async function until(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
