import { createHash } from 'node:crypto';
import { ApproverSignIn, SESSION_COOKIE, SIGN_IN_COOKIE } from '../../../tasks/approval/approver-sign-in';
import { approvalPageHandler } from '../../../tasks/approval/lambda';
import { OidcClient, type OidcProvider } from '../../../tasks/approval/oidc-client';
import { CookieSealer } from '../../../tasks/approval/sealed-cookies';
import type { ApprovalRecord } from '../../../tasks/approval/store';
import { Browser, CALLBACK_URL } from './browser';
import { type FakeIssuer, type IdTokenTampering, startFakeIssuer } from './fake-issuer';
import { deployApprovals, makeApprovalRequest } from './fixtures';

const SESSION_KEY = 'k'.repeat(64);

describe('the approval function in AWS (approvalPageHandler)', () => {
  let issuer: FakeIssuer;
  const w = deployApprovals('ApprovalPage');
  let record: ApprovalRecord;
  let browser: Browser;
  let newBrowser: () => Browser;
  let withClient: (provider?: Partial<OidcProvider>) => Browser;

  beforeAll(async () => {
    issuer = await startFakeIssuer();
  });
  afterAll(() => issuer.close());

  beforeEach(async () => {
    record = await w.requests.create({
      taskToken: w.token,
      request: makeApprovalRequest(),
      executionArn: 'arn:exec',
    });
    issuer.signInAs({ sub: 'user-1', email: 'alice@example.com', email_verified: true });
    issuer.userInfoAs(null);
    withClient = (provider = {}) => {
      const oidc = new OidcClient({
        issuer: issuer.url,
        clientId: issuer.clientId,
        redirectUri: CALLBACK_URL,
        ...provider,
      });
      const signIn = new ApproverSignIn(oidc, new CookieSealer(SESSION_KEY), w.deps);
      const handler = approvalPageHandler(async () => ({ deps: w.deps, signIn }));
      newBrowser = () => new Browser(handler);
      return newBrowser();
    };
    browser = withClient();
  });

  const approvalPath = () => `/approvals/${record.pk}`;

  /** Follows the function's redirect to the fake issuer, which signs in and redirects back. */
  async function throughIssuer(location: string): Promise<string> {
    const answer = await fetch(location, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    const back = answer.headers.get('location')!;
    expect(back.startsWith(CALLBACK_URL)).toBe(true);
    return back;
  }

  /** The whole sign-in: open the link, sign in at the issuer, come back. */
  async function signIn(b = browser) {
    const first = await b.request({ url: approvalPath() });
    const callback = await b.request({ url: await throughIssuer(first.headers!.location as string) });
    return callback;
  }

  /** Signs in, then opens the approval page: what a signed-in approver sees, and its form's CSRF token. */
  async function signedInPage() {
    await signIn();
    const page = await browser.request({ url: approvalPath() });
    return { page, csrf: /name="csrf" value="([^"]+)"/.exec(page.body as string)![1]! };
  }

  describe('without a session', () => {
    it('sends the visitor to the issuer with state, nonce and an S256 PKCE challenge', async () => {
      const response = await browser.request({ url: approvalPath() });

      expect(response.statusCode).toBe(302);
      const location = new URL(response.headers!.location as string);
      expect(`${location.origin}${location.pathname}`).toBe(`${issuer.url}/authorize`);
      expect(Object.fromEntries(location.searchParams)).toEqual({
        response_type: 'code',
        client_id: issuer.clientId,
        redirect_uri: CALLBACK_URL,
        scope: 'openid email profile',
        state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        nonce: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        code_challenge_method: 'S256',
      });
      expect(response.body).toBe('');
    });

    it('keeps the sign-in secrets in a sealed, short-lived __Host- cookie that survives the way back', async () => {
      const response = await browser.request({ url: approvalPath() });

      expect(response.cookies).toHaveLength(1);
      const cookie = response.cookies![0]!;
      expect(cookie).toMatch(new RegExp(`^${SIGN_IN_COOKIE}-[A-Za-z0-9_-]{16}=v2\\.`));
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('Secure');
      expect(cookie).toContain('Path=/');
      expect(cookie).toContain('Max-Age=600');
      // The issuer's redirect back is a cross-site navigation: a Strict cookie would stay behind.
      expect(cookie).toContain('SameSite=Lax');
      const { state, nonce } = Object.fromEntries(new URL(response.headers!.location as string).searchParams);
      expect(cookie).not.toContain(state);
      expect(cookie).not.toContain(nonce);
    });

    it('answers a decision POST with "sign in first" and a sign-in link, deciding nothing', async () => {
      const response = await browser.post(`${approvalPath()}/approve`, { csrf: 'x', reason: '' });

      expect(response.statusCode).toBe(401);
      expect(response.body).toContain(`/auth/sign-in?next=${encodeURIComponent(approvalPath())}`);
      expect(w.sfnCalls).toEqual([]);
    });
  });

  describe('GET /auth/callback', () => {
    it('signs the approver in with the code and returns them to the approval they opened', async () => {
      const response = await signIn();

      expect(response.statusCode).toBe(303);
      expect(response.headers!.location).toBe(approvalPath());
      const session = response.cookies!.find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
      expect(session).toMatch(/HttpOnly/);
      expect(session).toMatch(/Secure/);
      expect(session).toMatch(/SameSite=Lax/);
      expect(session).toMatch(/Max-Age=28800/);
      expect(session).not.toContain('alice');
      expect(response.cookies).toContainEqual(
        expect.stringMatching(new RegExp(`^${SIGN_IN_COOKIE}-[A-Za-z0-9_-]{16}=;.*Max-Age=0`)),
      );
    });

    it('redeems the code with the PKCE verifier whose hash it sent as the challenge', async () => {
      const first = await browser.request({ url: approvalPath() });
      const challenge = new URL(first.headers!.location as string).searchParams.get('code_challenge');
      await browser.request({ url: await throughIssuer(first.headers!.location as string) });

      const form = issuer.tokenRequests.at(-1)!;
      expect(createHash('sha256').update(form.get('code_verifier')!).digest('base64url')).toBe(challenge);
      expect(form.get('redirect_uri')).toBe(CALLBACK_URL);
    });

    it('fails with 400 when the state is not the one this browser sent', async () => {
      const first = await browser.request({ url: approvalPath() });
      const back = new URL(await throughIssuer(first.headers!.location as string));
      back.searchParams.set('state', 'forged-state');

      const response = await browser.request({ url: back.toString() });

      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('not for this sign-in');
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
      expect(issuer.tokenRequests.filter((f) => f.get('code') === back.searchParams.get('code'))).toEqual([]);
    });

    it('fails with 400 when this browser started no sign-in (a callback link sent to someone else)', async () => {
      const first = await browser.request({ url: approvalPath() });
      const back = await throughIssuer(first.headers!.location as string);

      const other = newBrowser();
      const response = await other.request({ url: back });

      expect(response.statusCode).toBe(400);
      expect(other.cookies.has(SESSION_COOKIE)).toBe(false);
    });

    it('fails with 400 when the issuer answers with an error instead of a code', async () => {
      const first = await browser.request({ url: approvalPath() });
      const state = new URL(first.headers!.location as string).searchParams.get('state')!;

      const response = await browser.request({
        url: `/auth/callback?error=access_denied&error_description=nope&state=${state}`,
      });

      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('access_denied');
      expect(response.body).not.toContain('nope');
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
    });

    it('shows nothing of an error answer that is not for a sign-in of this browser, and keeps the sign-in under way', async () => {
      const first = await browser.request({ url: approvalPath() });
      const back = await throughIssuer(first.headers!.location as string);
      const pendingBefore = [...browser.cookies.keys()].filter((k) => k.startsWith(SIGN_IN_COOKIE));

      const forged = await browser.request({
        url: `/auth/callback?error=Call+0800+to+approve&error_description=${encodeURIComponent('<b>Warden says: call us</b>')}&state=forged`,
      });
      const real = await browser.request({ url: back });

      expect(forged.statusCode).toBe(400);
      expect(forged.body).not.toContain('0800');
      expect(forged.body).not.toContain('Warden says');
      expect(forged.cookies ?? []).toEqual([]);
      expect(pendingBefore).toHaveLength(1);
      expect(real.statusCode).toBe(303);
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(true);
    });

    it('completes two sign-ins started in two tabs before either came back', async () => {
      const first = await browser.request({ url: approvalPath() });
      const second = await browser.request({ url: approvalPath() });
      const backFirst = await throughIssuer(first.headers!.location as string);
      const backSecond = await throughIssuer(second.headers!.location as string);

      const one = await browser.request({ url: backFirst });
      const two = await browser.request({ url: backSecond });

      expect([one.statusCode, two.statusCode]).toEqual([303, 303]);
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(true);
      expect([...browser.cookies.keys()].filter((k) => k.startsWith(SIGN_IN_COOKIE))).toEqual([]);
    });

    it('fails with 400 when a code is used twice', async () => {
      const first = await browser.request({ url: approvalPath() });
      const back = await throughIssuer(first.headers!.location as string);
      const replay = newBrowser();
      for (const [k, v] of browser.cookies) replay.cookies.set(k, v);
      await browser.request({ url: back });

      const response = await replay.request({ url: back });

      expect(response.statusCode).toBe(400);
      expect(response.body).toContain('invalid_grant');
      expect(replay.cookies.has(SESSION_COOKIE)).toBe(false);
    });

    const spoiled: [string, IdTokenTampering, RegExp][] = [
      ['a nonce from another sign-in', { nonce: 'another-nonce' }, /nonce/],
      ['another audience', { aud: 'someone-elses-client' }, /audience|aud/i],
      ['another issuer', { iss: 'https://evil.example.com' }, /issuer/i],
      ['an expiry in the past', { expiresIn: -600 }, /expiration is past/i],
      ['no expiry', { omit: ['exp'] }, /expiration time\) claim missing/],
      ['no issued-at time', { omit: ['iat'] }, /issued at\) claim missing/],
      ['an issued-at time ten years ahead', { iatOffset: 10 * 365 * 86400 }, /issued at/],
      [
        'an authorized party that is another client',
        { azp: 'someone-elses-client' },
        /authorized party \(azp\)/,
      ],
      ['a signature by a key not in the JWKS', { foreignKey: true }, /signature/i],
      [
        'several audiences but no authorized party',
        { aud: ['warden-approval-page', 'other'] },
        /additional untrusted audiences/,
      ],
    ];
    it.each(spoiled)('refuses an ID token with %s (401, no session)', async (_what, tampering, reason) => {
      issuer.tamperNextToken(tampering);

      const response = await signIn();

      expect(response.statusCode).toBe(401);
      expect(response.body).toMatch(reason);
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
      expect(w.logged()).toContain('sign-in refused');
    });

    it('refuses an ID token that names no one (401)', async () => {
      issuer.tamperNextToken({ claims: { sub: '' } });

      const response = await signIn();

      expect(response.statusCode).toBe(401);
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
    });
  });

  describe('with a session', () => {
    it('shows the page to the approver by name and lets them approve, recording that name', async () => {
      await signIn();

      const page = await browser.request({ url: approvalPath() });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Signed in as alice@example.com');
      const csrf = /name="csrf" value="([^"]+)"/.exec(page.body as string)![1]!;

      const decided = await browser.post(`${approvalPath()}/approve`, {
        csrf,
        reason: 'confirmed with the owner',
      });

      expect(decided.statusCode).toBe(200);
      expect(decided.body).toContain('Approved');
      expect(w.sfnCalls).toHaveLength(1);
      expect(w.sfnCalls[0]!.operation).toBe('SendTaskSuccess');
      expect(JSON.parse(w.sfnCalls[0]!.input.output!)).toMatchObject({
        approved: true,
        approver: 'alice@example.com',
        reason: 'confirmed with the owner',
      });
    });

    it('refuses to sign in a person whose e-mail is marked unverified, rather than record another name', async () => {
      issuer.signInAs({
        sub: 'u-2',
        email: 'mallory@example.com',
        email_verified: false,
        'cognito:username': 'bob',
      });

      const response = await signIn();

      expect(response.statusCode).toBe(401);
      expect(response.body).toContain('no verified email');
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
    });

    it('names the approver by the configured claim, e.g. the Cognito user name', async () => {
      issuer.signInAs({ sub: 'u-2', email: 'mallory@example.com', 'cognito:username': 'bob' });
      browser = withClient({ identityClaim: 'cognito:username' });
      await signIn();

      const page = await browser.request({ url: approvalPath() });

      expect(page.body).toContain('Signed in as bob');
      expect(page.body).not.toContain('mallory');
    });

    it('reads the e-mail from UserInfo when the ID token lacks it (OIDC Core §5.4), and records it', async () => {
      issuer.signInAs({ sub: 'user-1' });
      issuer.userInfoAs({ sub: 'user-1', email: 'alice@example.com', email_verified: true });
      const { page, csrf } = await signedInPage();

      await browser.post(`${approvalPath()}/approve`, { csrf, reason: '' });

      expect(page.body).toContain('Signed in as alice@example.com');
      expect(JSON.parse(w.sfnCalls[0]!.input.output!)).toMatchObject({ approver: 'alice@example.com' });
    });

    it('refuses UserInfo that answers for another subject', async () => {
      issuer.signInAs({ sub: 'user-1' });
      issuer.userInfoAs({ sub: 'user-9', email: 'ceo@example.com', email_verified: true });

      const response = await signIn();

      expect(response.statusCode).toBe(401);
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
    });

    it('records a decision posted with Origin: null, which browsers send under no-referrer', async () => {
      const { csrf } = await signedInPage();

      const response = await browser.request({
        method: 'POST',
        url: `${approvalPath()}/reject`,
        headers: { origin: 'null', 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams({ csrf, reason: 'not ours' }).toString(),
      });

      expect(response.statusCode).toBe(200);
      expect(w.sfnCalls.map((c) => c.operation)).toEqual(['SendTaskFailure']);
    });

    it.each([
      ['another origin', { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' }],
      ['Origin: null from another site', { origin: 'null', 'sec-fetch-site': 'cross-site' }],
      ['Origin: null from a sibling under the same site', { origin: 'null', 'sec-fetch-site': 'same-site' }],
      ['Origin: null without Sec-Fetch-Site (an opaque origin)', { origin: 'null' }],
      [
        'another origin that claims same-origin',
        { origin: 'https://attacker.example', 'sec-fetch-site': 'same-origin' },
      ],
    ])('does not act for the session on a POST with %s', async (_what, headers: Record<string, string>) => {
      const { csrf } = await signedInPage();

      const response = await browser.request({
        method: 'POST',
        url: `${approvalPath()}/approve`,
        headers,
        body: new URLSearchParams({ csrf, reason: '' }).toString(),
      });

      expect(response.statusCode).toBe(401);
      expect(w.sfnCalls).toEqual([]);
    });

    it('asks the issuer before recording a decision: a person disabled there decides nothing', async () => {
      const { csrf } = await signedInPage();
      issuer.disableEveryone();

      const response = await browser.post(`${approvalPath()}/approve`, { csrf, reason: '' });

      expect(response.statusCode).toBe(401);
      expect(w.sfnCalls).toEqual([]);
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
      expect(issuer.tokenRequests.at(-1)!.get('grant_type')).toBe('refresh_token');
    });

    it('signs out: the session cookie is cleared and the next decision needs a sign-in', async () => {
      const { page, csrf } = await signedInPage();
      expect(page.body).toContain('action="/auth/sign-out"');

      const out = await browser.post('/auth/sign-out', {});
      const after = await browser.post(`${approvalPath()}/approve`, { csrf, reason: '' });

      expect(out.statusCode).toBe(303);
      expect(out.headers!.location).toBe('/auth/signed-out');
      expect(after.statusCode).toBe(401);
      expect(w.sfnCalls).toEqual([]);
    });

    it('refuses a sign-out posted from another site', async () => {
      await signIn();

      const response = await browser.request({
        method: 'POST',
        url: '/auth/sign-out',
        headers: { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' },
      });

      expect(response.statusCode).toBe(400);
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(true);
    });

    it('ends after 8 hours: the page sends the approver to the issuer again', async () => {
      await signIn();

      await w.clock.advance(8 * 3600 * 1000);
      const response = await browser.request({ url: approvalPath() });

      expect(response.statusCode).toBe(302);
      expect(response.headers!.location).toContain(`${issuer.url}/authorize`);
    });

    it('is not accepted from a cookie the function did not seal', async () => {
      browser.cookies.set(SESSION_COOKIE, 'v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');

      const response = await browser.request({ url: approvalPath() });

      expect(response.statusCode).toBe(302);
    });

    it('is not accepted when sealed with another key (another deployment)', async () => {
      const foreign = new CookieSealer('z'.repeat(64)).seal('session', {
        v: 2,
        name: 'mallory',
        sub: 'user-1',
        iss: issuer.url,
        exp: Math.floor(w.clock.now() / 1000) + 3600,
      });
      browser.cookies.set(SESSION_COOKIE, foreign);

      const response = await browser.request({ url: approvalPath() });

      expect(response.statusCode).toBe(302);
    });
  });

  describe('when the identity provider is down', () => {
    it('answers an approval link with the 502 sign-in page, not a bare 500', async () => {
      const down = new OidcClient({ issuer: 'http://127.0.0.1:9', clientId: 'c', redirectUri: CALLBACK_URL });
      const handler = approvalPageHandler(async () => ({
        deps: w.deps,
        signIn: new ApproverSignIn(down, new CookieSealer(SESSION_KEY), w.deps),
      }));

      const response = await new Browser(handler).request({ url: approvalPath() });

      expect(response.statusCode).toBe(502);
      expect(response.body).toContain('Sign-in is unavailable');
    });
  });

  describe('GET /auth/sign-in', () => {
    it('starts a sign-in that returns to the approval named in next', async () => {
      const response = await browser.request({
        url: `/auth/sign-in?next=${encodeURIComponent(approvalPath())}`,
      });

      expect(response.statusCode).toBe(302);
      const back = await browser.request({ url: await throughIssuer(response.headers!.location as string) });
      expect(back.headers!.location).toBe(approvalPath());
    });

    it.each([
      ['another site', 'https://attacker.example/approvals/x'],
      ['a protocol-relative address', '//attacker.example'],
      ['nothing', ''],
    ])('refuses to return to %s (400)', async (_what, next) => {
      const response = await browser.request({ url: `/auth/sign-in?next=${encodeURIComponent(next)}` });

      expect(response.statusCode).toBe(400);
      expect(response.headers!.location).toBeUndefined();
    });
  });

  it("forbids caching the redirect to the issuer, which carries one sign-in's state", async () => {
    const response = await browser.request({ url: approvalPath() });

    expect(response.headers!['cache-control']).toBe('no-store');
  });
});
