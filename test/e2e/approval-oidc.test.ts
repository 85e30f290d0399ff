import { generateKeyPairSync } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { buildStory } from '../../audit/story';
import type { LocalWarden } from '../../runtime/local-warden';
import { ApproverSignIn, SESSION_COOKIE } from '../../tasks/approval/approver-sign-in';
import { approvalPageHandler } from '../../tasks/approval/lambda';
import { type ClientAuthentication, OidcClient } from '../../tasks/approval/oidc-client';
import { CookieSealer } from '../../tasks/approval/sealed-cookies';
import {
  type ApprovalWarden,
  approvalConfig,
  expectDecided,
  HOUR,
  makeApprovalRequest,
  startApprovalWarden,
  submit,
} from './approval-harness';
import { launchBrowser } from './browser';
import {
  fetchTrusting,
  makeCertificate,
  type ProviderClient,
  startApiGateway,
  startProvider,
  type TestApiGateway,
  type TestCertificate,
  type TestProvider,
} from './oidc/harness';

/**
 * Approvals as they run in AWS: the approval function (its Lambda handler, behind a payload-2.0
 * API Gateway) signs approvers in at a real, certified OpenID Provider (oidc-provider) with the
 * authorization-code flow and PKCE, and headless Chromium does what an approver does: opens the
 * link from the notification, signs in at the provider, approves or rejects. Over http on
 * loopback with a public client, and over https (a certificate made for this run) with
 * confidential clients (client_secret_basic, private_key_jwt).
 *
 * The provider keeps the ID token to `sub` when it issues an access token (OIDC Core §5.4,
 * oidc-provider's default), so every sign-in here also proves the e-mail comes from UserInfo.
 */
jest.mock('../../workflows/index', () => ({ WORKFLOWS: [] }));

const SESSION_KEY = 'e2e-session-secret-0123456789abcdefghijklmnop';
const USERS = {
  alice: { email: 'alice@example.com', email_verified: true, preferred_username: 'alice' },
  bob: { email: 'bob@example.com', email_verified: true, preferred_username: 'bob' },
  carol: { email: 'carol@example.com', email_verified: true, preferred_username: 'carol' },
  dave: { email: 'dave@example.com', email_verified: true, preferred_username: 'dave' },
};

const config = approvalConfig(['alice']);

let browser: Browser;
let warden: LocalWarden;
let approvals: ApprovalWarden;

beforeAll(async () => {
  approvals = await startApprovalWarden({
    name: 'approval-oidc-e2e',
    config,
    request: (expiresAt) => makeApprovalRequest(expiresAt, { findingId: 'e2e0a1b2c3d4e5f60718293a4b5c6d7f' }),
  });
  ({ warden } = approvals);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await warden?.stop();
});

/** One API, one provider and one browser context per transport; tests clear cookies, not contexts. */
interface Site {
  api: TestApiGateway;
  op: TestProvider;
  context: BrowserContext;
  page: Page;
  /** Moves the sign-in's clock (session expiry) without moving the provider's. */
  sessionSkewMs: number;
}

async function startSite(tls: TestCertificate | undefined, clients: (origin: string) => ProviderClient[]) {
  const api = await startApiGateway({ tls });
  let op: TestProvider | undefined;
  try {
    op = await startProvider({ clients: clients(api.origin), users: USERS, tls });
    const context = await browser.newContext({ ignoreHTTPSErrors: tls !== undefined });
    const page = await context.newPage();
    const site: Site = { api, op, context, page, sessionSkewMs: 0 };
    return site;
  } catch (error) {
    // A site that did not start has no Site for afterAll to stop: its server and the provider's
    // process would outlive the file and keep the test worker from exiting.
    await op?.close();
    await api.close();
    throw error;
  }
}

async function stopSite(site: Site | undefined) {
  // Each part is stopped even when another fails to stop, for the same reason; then that fails.
  const stopped = await Promise.allSettled([site?.context.close(), site?.op.close(), site?.api.close()]);
  const failure = stopped.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
}

/** The approval function as deployed: its Lambda handler, with one client configuration. */
function deploy(
  site: Site,
  clientId: string,
  clientAuthentication: ClientAuthentication,
  tls?: TestCertificate,
) {
  const oidc = new OidcClient(
    {
      issuer: site.op.issuer,
      clientId,
      redirectUri: `${site.api.origin}/auth/callback`,
      clientAuthentication,
    },
    tls ? { fetch: fetchTrusting(tls.cert) } : {},
  );
  const signInDeps = { ...warden.deps, now: () => new Date(Date.now() + site.sessionSkewMs) };
  const signIn = new ApproverSignIn(oidc, new CookieSealer(SESSION_KEY), signInDeps);
  site.api.use(approvalPageHandler(async () => ({ deps: warden.deps, signIn })));
  warden.deps.approvalBaseUrl = `${site.api.origin}/approvals`;
}

const requestApproval = () => approvals.requestApproval();

/** At the provider's own pages: log in as `user`, consent once, land back on the approval. */
async function signInAtProvider(page: Page, user: string, link: string): Promise<void> {
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', 'any password');
  await page.click('button[type=submit]');
  await page.waitForURL((url) => url.href === link || url.pathname.includes('/interaction/'));
  if (page.url() !== link) {
    await page.click('button:has-text("Continue")');
    await page.waitForURL(link);
  }
}

async function openAndSignIn(page: Page, link: string, user: string): Promise<void> {
  await page.goto(link);
  await signInAtProvider(page, user, link);
}

const approval = (id: string) => approvals.approval(id);
const callbacksSent = () => approvals.callbacksSent();
const heading = (page: Page) => page.locator('h1').first().textContent();

describe('approvals in AWS mode over http, a public PKCE client at oidc-provider', () => {
  let site: Site;

  beforeAll(async () => {
    site = await startSite(undefined, (origin) => [
      {
        client_id: 'warden-public',
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${origin}/auth/callback`],
        post_logout_redirect_uris: [`${origin}/auth/signed-out`],
        grant_types: ['authorization_code', 'refresh_token'],
      },
    ]);
    deploy(site, 'warden-public', { method: 'none' });
  });
  afterAll(() => stopSite(site));
  beforeEach(async () => {
    await site.context.clearCookies();
    site.sessionSkewMs = 0;
  });

  it('signs in at the provider and approves: the execution succeeds naming the verified e-mail from UserInfo', async () => {
    const { executionArn, link } = await requestApproval();

    await openAndSignIn(site.page, link, 'alice');
    expect(await site.page.locator('header').textContent()).toContain('Signed in as alice@example.com');
    await site.page.fill('#reason', 'Known brute-force source.');
    const response = await submit(site.page, '#approve');

    expect(response.status()).toBe(200);
    expect(await heading(site.page)).toBe('Approved');
    const record = await expectDecided(warden, executionArn, 'approved', {
      approver: 'alice@example.com',
      reason: 'Known brute-force source.',
    });
    // The audit story names the person by the verified claim, not the provider's opaque sub.
    const story = buildStory({
      execution: { ...record },
      events: [...warden.runtime.store.history(executionArn)],
    });
    expect(story.approval).toMatchObject({
      approver: 'alice@example.com',
      reason: 'Known brute-force source.',
    });
  });

  it('rejects: the execution fails with ApprovalRejected naming the approver', async () => {
    const { executionArn, link } = await requestApproval();

    await openAndSignIn(site.page, link, 'bob');
    await site.page.fill('#reason', 'Our own scanner.');
    const response = await submit(site.page, '#reject');

    expect(response.status()).toBe(200);
    expect(await heading(site.page)).toBe('Rejected');
    await expectDecided(warden, executionArn, 'rejected', { approver: 'bob@example.com' });
  });

  it('signs in from two tabs opened before signing in, and both can decide', async () => {
    const first = await requestApproval();
    const second = await requestApproval();
    const other = await site.context.newPage();
    try {
      await site.page.goto(first.link);
      await other.goto(second.link);

      await signInAtProvider(site.page, 'alice', first.link);
      await signInAtProvider(other, 'alice', second.link);
      const one = await submit(site.page, '#approve');
      const two = await submit(other, '#reject');

      expect([one.status(), two.status()]).toEqual([200, 200]);
      expect((await warden.runtime.waitFor(first.executionArn)).status).toBe('SUCCEEDED');
      expect((await warden.runtime.waitFor(second.executionArn)).status).toBe('FAILED');
    } finally {
      await other.close();
    }
  });

  it('refuses a replayed code: the provider answers invalid_grant and no session is made', async () => {
    const { link } = await requestApproval();
    let callback = '';
    site.page.on('request', (request) => {
      if (request.url().includes('/auth/callback?')) callback = request.url();
    });
    await site.page.goto(link);
    const pending = (await site.context.cookies()).filter((c) => c.name.startsWith('__Host-warden-sign-in'));
    await signInAtProvider(site.page, 'alice', link);
    await site.context.clearCookies();
    // The replay carries the sign-in cookie of the first use, as an attacker who copied both would.
    await site.context.addCookies(pending);

    const replay = await site.page.goto(callback);

    expect(replay?.status()).toBe(400);
    expect(await site.page.content()).toContain('invalid_grant');
    expect((await site.context.cookies()).map((c) => c.name)).not.toContain(SESSION_COOKIE);
  });

  it('refuses the callback opened in another browser (no sign-in under way there)', async () => {
    const { link } = await requestApproval();
    let callback = '';
    const watch = (request: { url(): string }) => {
      if (new URL(request.url()).pathname === '/auth/callback') callback = request.url();
    };
    site.page.on('request', watch);
    try {
      await openAndSignIn(site.page, link, 'alice');
    } finally {
      site.page.off('request', watch);
    }
    const elsewhere = await browser.newContext();
    try {
      const tab = await elsewhere.newPage();
      const response = await tab.goto(callback);

      expect(response?.status()).toBe(400);
      expect(await tab.locator('h1').textContent()).toBe('Sign-in did not complete');
      expect((await elsewhere.cookies()).map((c) => c.name)).not.toContain(SESSION_COOKIE);
    } finally {
      await elsewhere.close();
    }
  });

  it('keeps signing in after the provider rotates its signing key', async () => {
    const { link } = await requestApproval();
    await openAndSignIn(site.page, link, 'alice');
    const before = site.op.keyId;

    await site.op.rotateKeys();
    await site.context.clearCookies();
    await openAndSignIn(site.page, link, 'alice');

    expect(site.op.keyId).not.toBe(before);
    expect(await site.page.locator('header').textContent()).toContain('Signed in as alice@example.com');
  });

  it('shows the 502 sign-in page while the provider is down (a cold start, a decision), decides nothing, and recovers', async () => {
    const { link, approvalId } = await requestApproval();
    await openAndSignIn(site.page, link, 'carol');
    const sentBefore = callbacksSent();
    const other = await browser.newContext();
    try {
      await site.op.stop();
      // A function instance that starts now cannot read the provider's discovery document.
      deploy(site, 'warden-public', { method: 'none' });
      const opened = await (await other.newPage()).goto(link);
      const decided = await submit(site.page, '#approve');

      expect(opened?.status()).toBe(502);
      expect(decided.status()).toBe(502);
      expect(await heading(site.page)).toBe('Sign-in is unavailable');
      expect(await approval(approvalId)).toMatchObject({ status: 'PENDING' });
      expect(callbacksSent()).toBe(sentBefore);
    } finally {
      await other.close();
      await site.op.start();
    }
    await site.page.goto(link);
    const recovered = await submit(site.page, '#reject');
    expect(recovered.status()).toBe(200);
    expect(await heading(site.page)).toBe('Rejected');
  });

  it('signs out: the decision form is gone, and the provider signs the person out too', async () => {
    const { link, approvalId } = await requestApproval();
    await openAndSignIn(site.page, link, 'alice');
    const csrf = await site.page.inputValue('input[name=csrf]');

    await submit(site.page, '#sign-out');
    expect(await heading(site.page)).toBe('You are signed out of Warden');
    const after = await site.context.request.post(`${link}/approve`, {
      form: { csrf, reason: '' },
      headers: { origin: 'null', 'sec-fetch-site': 'same-origin' },
    });
    await site.page.click('#issuer-sign-out');
    await site.page.click('button[name=logout]');
    await site.page.waitForURL(`${site.api.origin}/auth/signed-out`);
    await site.page.goto(link);

    expect(after.status()).toBe(401);
    expect(await approval(approvalId)).toMatchObject({ status: 'PENDING' });
    // Signed out at the provider as well: the link asks for a password again.
    expect(await site.page.locator('input[name=login]').count()).toBe(1);
  });

  it('ends the session after 8 hours: a decision then needs a new sign-in', async () => {
    const { link, approvalId } = await requestApproval();
    await openAndSignIn(site.page, link, 'alice');

    site.sessionSkewMs = 8 * HOUR + 60_000;
    const response = await submit(site.page, '#approve');

    expect(response.status()).toBe(401);
    expect(await heading(site.page)).toBe('Sign in first');
    expect(await approval(approvalId)).toMatchObject({ status: 'PENDING' });
  });

  it('refuses a decision from a user disabled at the provider after signing in', async () => {
    const { link, approvalId } = await requestApproval();
    await openAndSignIn(site.page, link, 'dave');
    const sentBefore = callbacksSent();

    await site.op.disable('dave');
    const response = await submit(site.page, '#approve');

    expect(response.status()).toBe(401);
    expect(await approval(approvalId)).toMatchObject({ status: 'PENDING' });
    expect(callbacksSent()).toBe(sentBefore);
    expect((await site.context.cookies()).map((c) => c.name)).not.toContain(SESSION_COOKIE);
  });
});

describe('approvals in AWS mode over https, confidential clients at oidc-provider', () => {
  let site: Site;
  let tls: TestCertificate;
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  beforeAll(async () => {
    tls = await makeCertificate();
    site = await startSite(tls, (origin) => [
      {
        client_id: 'warden-basic',
        client_secret: 'e2e-client-secret-not-a-real-one-0123456789',
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: [`${origin}/auth/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
      },
      {
        client_id: 'warden-jwt',
        token_endpoint_auth_method: 'private_key_jwt',
        redirect_uris: [`${origin}/auth/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        jwks: {
          keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'warden-e2e', alg: 'ES256', use: 'sig' }],
        },
      },
    ]);
  });
  afterAll(() => stopSite(site));
  beforeEach(() => site.context.clearCookies());

  it('approves with client_secret_basic', async () => {
    deploy(
      site,
      'warden-basic',
      { method: 'client_secret_basic', clientSecret: 'e2e-client-secret-not-a-real-one-0123456789' },
      tls,
    );
    const { executionArn, link } = await requestApproval();
    expect(link.startsWith('https://127.0.0.1:')).toBe(true);

    await openAndSignIn(site.page, link, 'alice');
    const response = await submit(site.page, '#approve');

    expect(response.status()).toBe(200);
    expect(JSON.parse((await warden.runtime.waitFor(executionArn)).output!).decision).toMatchObject({
      approver: 'alice@example.com',
    });
  });

  it('rejects with private_key_jwt', async () => {
    deploy(
      site,
      'warden-jwt',
      {
        method: 'private_key_jwt',
        privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        keyId: 'warden-e2e',
      },
      tls,
    );
    const { executionArn, link } = await requestApproval();

    await openAndSignIn(site.page, link, 'bob');
    const response = await submit(site.page, '#reject');

    expect(response.status()).toBe(200);
    expect(await warden.runtime.waitFor(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'ApprovalRejected',
    });
  });

  it('refuses a confidential client whose secret is wrong, with the sign-in page and no session', async () => {
    deploy(site, 'warden-basic', { method: 'client_secret_basic', clientSecret: 'wrong-secret' }, tls);
    const { link } = await requestApproval();

    await site.page.goto(link);
    await site.page.fill('input[name=login]', 'alice');
    await site.page.fill('input[name=password]', 'any password');
    await site.page.click('button[type=submit]');
    await site.page.waitForURL(
      (url) => url.pathname === '/auth/callback' || url.pathname.includes('/interaction/'),
    );
    if (site.page.url().includes('/interaction/')) await site.page.click('button:has-text("Continue")');
    await site.page.waitForURL((url) => url.pathname === '/auth/callback');

    expect(await heading(site.page)).toBe('Sign-in is unavailable');
    expect((await site.context.cookies()).map((c) => c.name)).not.toContain(SESSION_COOKIE);
  });
});
