import { APPROVAL_REJECTED } from '../../../tasks/approval/contract';
import { csrfToken, verifyCsrfToken } from '../../../tasks/approval/csrf';
import { CONTENT_SECURITY_POLICY } from '../../../tasks/approval/html';
import {
  type ApprovalHttpRequest,
  type ApproverIdentity,
  duration,
  handleApprovalRequest,
} from '../../../tasks/approval/page';
import { ruleNumberText } from '../../../tasks/approval/page-cards';
import type { ApprovalRecord } from '../../../tasks/approval/store';
import { blockIdOf } from '../../../tasks/response/block-addresses';
import type { ResolvedNacl } from '../../../tasks/response/network-acls';
import { allocateRuleNumber, seedOf } from '../../../tasks/response/rule-allocator';
import { deployApprovals, makeApprovalRequest, naclOf } from './fixtures';

const ALICE: ApproverIdentity = { name: 'alice@example.com' };
const BOB: ApproverIdentity = { name: 'bob@example.com' };
const HOSTILE_TYPE = '<script>alert(1)</script>';
const HOSTILE_INSTANCE = '"><img src=x onerror=alert(1)>';

describe('handleApprovalRequest', () => {
  const t = deployApprovals('ApprovalPage');

  const seed = (overrides = {}) =>
    t.requests.create({
      taskToken: t.token,
      request: makeApprovalRequest(overrides),
      executionArn: 'arn:exec',
    });
  const request = (overrides: Partial<ApprovalHttpRequest>): ApprovalHttpRequest => ({
    method: 'GET',
    path: '/',
    headers: {},
    body: '',
    identity: ALICE,
    ...overrides,
  });
  const view = (id: string, identity: ApproverIdentity | null = ALICE) =>
    handleApprovalRequest(request({ path: `/approvals/${id}`, identity }), t.deps);
  const post = (
    record: Pick<ApprovalRecord, 'pk' | 'csrfNonce'>,
    action: 'approve' | 'reject',
    options: { identity?: ApproverIdentity | null; csrf?: string; reason?: string } = {},
  ) => {
    const identity = options.identity === undefined ? ALICE : options.identity;
    const csrf = options.csrf ?? csrfToken(record.csrfNonce, record.pk, identity?.name ?? '');
    const body = new URLSearchParams({ csrf, reason: options.reason ?? '' }).toString();
    return handleApprovalRequest(
      request({ method: 'POST', path: `/approvals/${record.pk}/${action}`, identity, body }),
      t.deps,
    );
  };
  const formToken = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1];

  describe('GET /approvals/{id}', () => {
    it('shows the finding, each address, each NACL with its subnets, the rule and both expiries', async () => {
      const record = await seed({
        severity: 8.2,
        addresses: [
          { cidr: '198.51.100.7/32', reason: 'SSH brute force' },
          { cidr: '2001:db8::7/128', reason: 'SSH brute force' },
        ],
        nacls: [
          naclOf('acl-0a1b2c3d4e5f60718', ['subnet-a', 'subnet-b', 'subnet-c'], 'vpc-1'),
          naclOf('acl-0b1b2c3d4e5f60718', ['subnet-d'], 'vpc-1'),
        ],
        ruleBand: { start: 10, end: 60 },
        blockMinutes: 90,
      });

      const response = await view(record.pk);

      expect(response.status).toBe(200);
      const html = response.body;
      for (const text of [
        'UnauthorizedAccess:EC2/SSHBruteForce',
        '8.2 <span class="badge high">High</span>',
        '333333333333',
        'eu-west-1',
        'i-0123456789abcdef0',
        '198.51.100.7/32',
        '2001:db8::7/128',
        'acl-0a1b2c3d4e5f60718',
        'shared by 3 subnets',
        '<dt>Direction</dt><dd>inbound</dd><dt>Action</dt><dd>DENY</dd><dt>Protocol</dt><dd>all (-1)</dd><dt>Ports</dt><dd>all</dd>\n<dt>Source</dt><dd><code class="addr">2001:db8::7/128</code></dd>',
        '<dt>Rule number</dt><dd>chosen when the block is applied: a free number in 10–60, from a place in the band that differs for each block',
        '4 entries in total',
        '1 hour 30 minutes',
        'This approval expires at <strong><time datetime="2026-03-01T10:00:00.000Z">2026-03-01 10:00 UTC</time>',
        'If nobody decides in time, nothing is blocked.',
      ]) {
        expect(html).toContain(text);
      }
      expect(html).not.toContain('shared by 1 subnets');
    });

    it('says how the rule number is chosen, as the allocator chooses it, not "lowest free"', async () => {
      // Arrange: the number the allocator takes for this block in an empty NACL
      const record = await seed({ addresses: [{ cidr: '198.51.100.7/32', reason: 'SSH brute force' }] });
      const band = record.request.ruleBand;
      const nacl = { account: '333333333333', region: 'eu-west-1', naclId: 'acl-0a1b2c3d4e5f60718' };
      const taken = allocateRuleNumber({
        entries: [{ RuleNumber: 32767, Egress: false, CidrBlock: '0.0.0.0/0' }],
        band,
        quota: 20,
        family: 4,
        seed: seedOf(blockIdOf('arn:exec', nacl as ResolvedNacl, '198.51.100.7/32')),
      });

      // Act
      const { body } = await view(record.pk);

      // Assert: the lowest free number would be the band's start, which the allocator does not take
      expect(taken).toMatchObject({ kind: 'FREE' });
      expect(taken.kind === 'FREE' && taken.ruleNumber).not.toBe(band.start);
      expect(body).not.toContain('lowest free');
      expect(body).toContain(`<dt>Rule number</dt><dd>${ruleNumberText(`${band.start}–${band.end}`)}</dd>`);
      expect(ruleNumberText('1–90')).toContain(
        'a free number in 1–90, from a place in the band that differs for each block',
      );
    });

    it('escapes hostile text from the finding wherever it appears', async () => {
      const record = await seed({
        findingType: HOSTILE_TYPE,
        instanceId: HOSTILE_INSTANCE,
        addresses: [{ cidr: '198.51.100.7/32', reason: '</td><script>x()</script>' }],
      });

      const { body } = await view(record.pk);

      expect(body).not.toContain('<script');
      expect(body).not.toContain('<img');
      expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(body).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    });

    it('sends headers that forbid scripts, framing, sniffing, referrers and caching', async () => {
      const record = await seed();

      const { headers } = await view(record.pk);

      expect(headers).toMatchObject({
        'content-type': 'text/html; charset=utf-8',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': 'no-store',
      });
      expect(headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      expect(CONTENT_SECURITY_POLICY).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; /);
      expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    });

    it('changes nothing and never shows the task token', async () => {
      const record = await seed();

      const responses = [await view(record.pk), await view(record.pk, null), await view(record.pk, BOB)];

      expect(await t.store.get(record.pk)).toEqual(record);
      expect(t.sfnCalls).toHaveLength(0);
      for (const r of responses) expect(r.body).not.toContain(t.token);
    });

    it('offers the decision form, with a CSRF token for the signed-in approver, only to a signed-in visitor', async () => {
      const record = await seed();

      const signedIn = await view(record.pk, ALICE);
      const anonymous = await view(record.pk, null);

      expect(formToken(signedIn.body)).toBe(csrfToken(record.csrfNonce, record.pk, ALICE.name));
      expect(signedIn.body).toContain(`action="${record.pk}/approve"`);
      expect(signedIn.body).toContain(`formaction="${record.pk}/reject"`);
      expect(signedIn.body).toContain('maxlength="500"');
      expect(anonymous.body).not.toContain('<form');
      expect(anonymous.body).toContain('Sign in to approve or reject');
    });

    it('answers 400 for a malformed id and 404 for an unknown one', async () => {
      const malformed = await view('not-an-id');
      const unknown = await view('B'.repeat(43));

      expect(malformed.status).toBe(400);
      expect(malformed.body).toContain('This link is not valid');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toContain('No such approval');
    });

    it('answers 410 without a form once the approval expired', async () => {
      const record = await seed();
      await t.clock.advance(3_600_000);

      const response = await view(record.pk);

      expect(response.status).toBe(410);
      expect(response.body).toContain('This approval has expired');
      expect(response.body).not.toContain('<form');
    });

    it('answers HEAD like GET, without a body', async () => {
      const record = await seed();

      const response = await handleApprovalRequest(
        request({ method: 'HEAD', path: `/approvals/${record.pk}` }),
        t.deps,
      );

      expect(response.status).toBe(200);
      expect(response.body).toBe('');
    });

    it('answers 405 to a GET of a decision URL, deciding nothing', async () => {
      const record = await seed();

      const response = await handleApprovalRequest(
        request({ path: `/approvals/${record.pk}/approve` }),
        t.deps,
      );

      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe('POST');
      expect((await t.store.get(record.pk))?.status).toBe('PENDING');
    });
  });

  describe('CSRF tokens', () => {
    it('are bound to one approval and one approver', () => {
      const token = csrfToken('nonce', 'approval-1', 'alice');

      expect(verifyCsrfToken('nonce', 'approval-1', 'alice', token)).toBe(true);
      expect(verifyCsrfToken('nonce', 'approval-1', 'bob', token)).toBe(false);
      expect(verifyCsrfToken('nonce', 'approval-2', 'alice', token)).toBe(false);
      expect(verifyCsrfToken('other-nonce', 'approval-1', 'alice', token)).toBe(false);
      expect(verifyCsrfToken('nonce', 'approval-1', 'alice', `${token.slice(0, -1)}A`)).toBe(
        token.endsWith('A'),
      );
      expect(verifyCsrfToken('nonce', 'approval-1', 'alice', '')).toBe(false);
      expect(verifyCsrfToken('nonce', 'approval-1', 'alice', null)).toBe(false);
    });

    it('refuses a tampered token with 403, changing nothing', async () => {
      const record = await seed();
      const good = csrfToken(record.csrfNonce, record.pk, ALICE.name);

      const tampered = `${good.startsWith('x') ? 'y' : 'x'}${good.slice(1)}`;

      const response = await post(record, 'approve', { csrf: tampered });

      expect(response.status).toBe(403);
      expect(await t.store.get(record.pk)).toEqual(record);
      expect(t.sfnCalls).toHaveLength(0);
    });

    it("refuses another approver's token with 403", async () => {
      const record = await seed();

      const response = await post(record, 'approve', {
        identity: BOB,
        csrf: csrfToken(record.csrfNonce, record.pk, ALICE.name),
      });

      expect(response.status).toBe(403);
      expect(t.sfnCalls).toHaveLength(0);
    });
  });

  describe('POST /approvals/{id}/approve and /reject', () => {
    it('approves once: records the approver and sends the decision with SendTaskSuccess', async () => {
      const record = await seed();
      await t.clock.advance(120_000);

      const response = await post(record, 'approve', { reason: '  known bad actor  ' });

      expect(response.status).toBe(200);
      expect(response.body).toContain('Approved');
      expect(response.body).not.toContain(t.token);
      const decidedAt = '2026-03-01T09:02:00.000Z';
      expect(t.sfnCalls).toEqual([
        {
          operation: 'SendTaskSuccess',
          input: {
            taskToken: t.token,
            output: JSON.stringify({
              approved: true,
              approvalId: record.pk,
              approver: ALICE.name,
              decidedAt,
              reason: 'known bad actor',
            }),
          },
        },
      ]);
      expect(await t.store.get(record.pk)).toMatchObject({
        status: 'APPROVED',
        decidedBy: ALICE.name,
        decidedAt,
        reason: 'known bad actor',
        delivery: 'DELIVERED',
      });
      expect(t.logged()).not.toContain(t.token);
    });

    it('rejects with SendTaskFailure ApprovalRejected, the cause naming who, when and why', async () => {
      const record = await seed();

      const response = await post(record, 'reject', { identity: BOB, reason: 'our pentest' });

      expect(response.status).toBe(200);
      expect(response.body).toContain('Nothing will be blocked');
      expect(t.sfnCalls).toHaveLength(1);
      const [call] = t.sfnCalls;
      expect(call?.operation).toBe('SendTaskFailure');
      expect(call?.input.error).toBe(APPROVAL_REJECTED);
      expect(JSON.parse(call!.input.cause!)).toEqual({
        approvalId: record.pk,
        approver: BOB.name,
        decidedAt: '2026-03-01T09:00:00.000Z',
        reason: 'our pentest',
      });
    });

    it('refuses a replayed decision with 409 and sends nothing more', async () => {
      const record = await seed();
      await post(record, 'approve');

      const replay = await post(record, 'approve');
      const other = await post(record, 'reject', { identity: BOB });

      expect(replay.status).toBe(409);
      expect(replay.body).toContain('Already decided');
      expect(other.status).toBe(409);
      expect(t.sfnCalls).toHaveLength(1);
      expect((await view(record.pk)).status).toBe(409);
    });

    it('refuses a decision after expiry with 410 and sends nothing', async () => {
      const record = await seed();
      await t.clock.advance(3_600_001);

      const response = await post(record, 'approve');

      expect(response.status).toBe(410);
      expect((await t.store.get(record.pk))?.status).toBe('PENDING');
      expect(t.sfnCalls).toHaveLength(0);
    });

    it('needs a signed-in approver (401)', async () => {
      const record = await seed();

      const response = await post(record, 'approve', { identity: null, csrf: 'whatever' });

      expect(response.status).toBe(401);
      expect(t.sfnCalls).toHaveLength(0);
    });

    it('answers 404 for a forged id and 400 for a reason over 500 characters', async () => {
      const record = await seed();

      const forged = await post({ pk: 'C'.repeat(43), csrfNonce: record.csrfNonce }, 'approve');
      const verbose = await post(record, 'approve', { reason: 'x'.repeat(501) });

      expect(forged.status).toBe(404);
      expect(verbose.status).toBe(400);
      expect(verbose.body).toContain('at most 500 characters');
      expect((await t.store.get(record.pk))?.status).toBe('PENDING');
    });

    it('refuses a decision posted from another site', async () => {
      const record = await seed();
      const csrf = csrfToken(record.csrfNonce, record.pk, ALICE.name);

      const response = await handleApprovalRequest(
        request({
          method: 'POST',
          path: `/approvals/${record.pk}/approve`,
          headers: { 'sec-fetch-site': 'cross-site' },
          body: `csrf=${csrf}`,
        }),
        t.deps,
      );

      expect(response.status).toBe(403);
      expect(t.sfnCalls).toHaveLength(0);
    });

    it('says the workflow no longer waits when Step Functions answers TaskTimedOut, keeping the decision', async () => {
      const record = await seed();
      t.failCallbacksWith('TaskTimedOut');

      const response = await post(record, 'approve');

      expect(response.status).toBe(410);
      expect(response.body).toContain('The workflow no longer waits for this decision');
      expect(await t.store.get(record.pk)).toMatchObject({ status: 'APPROVED', delivery: 'WORKFLOW_GONE' });
      expect((await post(record, 'approve')).status).toBe(409);
    });

    it('lets the approver send the same decision again when the callback failed otherwise', async () => {
      const record = await seed();
      t.failCallbacksWith('ServiceUnavailable');
      const failed = await post(record, 'approve', { reason: 'first try' });
      t.failCallbacksWith(null);

      const otherDecision = await post(record, 'reject');
      const retried = await post(record, 'approve');

      expect(failed.status).toBe(502);
      expect(failed.body).toContain('Your decision was recorded but not passed on');
      expect(otherDecision.status).toBe(409);
      expect(retried.status).toBe(200);
      expect(t.sfnCalls).toHaveLength(1);
      expect(JSON.parse(t.sfnCalls[0]!.input.output!)).toMatchObject({ reason: 'first try' });
      expect(await t.store.get(record.pk)).toMatchObject({ delivery: 'DELIVERED' });
    });
  });
});

describe('duration', () => {
  it('reads as people say it', () => {
    expect(duration(1)).toBe('1 minute');
    expect(duration(90)).toBe('1 hour 30 minutes');
    expect(duration(1440)).toBe('1 day');
    expect(duration(2 * 1440 + 60)).toBe('2 days 1 hour');
  });
});
