import { createHash } from 'node:crypto';
import { buildStory } from '../../../audit/story';
import type {
  ApprovalRow,
  BlockRow,
  ConsoleView,
  CoverageView,
  ExecutionRow,
  NotificationRow,
} from '../../../runtime/console/model';
import {
  COVERAGE_LOOK,
  relativeTime,
  renderApprovals,
  renderBlocks,
  renderConsole,
  renderCoverage,
  renderExecutions,
  renderMissingStory,
  renderNotifications,
  renderStoryPage,
} from '../../../runtime/console/render';
import { CONSOLE_STYLE } from '../../../runtime/console/style';
import { securityHeaders } from '../../../tasks/approval/html';
import { escapeHtml } from '../../../tasks/shared/escape-html';

/** Text an attacker controls (an account name, a finding type) that must reach the page inert. */
const HOSTILE = `<script>alert("x")</script><img src=x onerror='alert(1)'>&`;
const HOSTILE_ESCAPED =
  '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;';
const NOW = new Date('2026-03-01T10:00:00Z');

function makeBlock(overrides: Partial<BlockRow> = {}): BlockRow {
  return {
    cidr: '203.0.113.9/32',
    account: '333333333333',
    region: 'eu-west-1',
    naclId: 'acl-0a1b2c3d4e5f60718',
    ruleNumber: 7,
    state: 'ACTIVE',
    createdAt: '2026-03-01T09:00:00.000Z',
    expiresAt: '2026-03-01T10:59:00.000Z',
    findingId: 'f-1',
    findingType: 'Recon:EC2/PortProbeUnprotectedPort',
    severity: 8,
    approvedBy: null,
    execution: { stateMachine: 'warden-response', name: 'f-1-1' },
    ...overrides,
  };
}

function makeApproval(overrides: Partial<ApprovalRow> = {}): ApprovalRow {
  return {
    approvalId: 'A'.repeat(43),
    findingId: 'f-2',
    findingType: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 2,
    accountId: '333333333333',
    region: 'eu-west-1',
    addresses: ['198.51.100.7/32', '2001:db8::7/128'],
    naclIds: ['acl-0a1b2c3d4e5f60718'],
    createdAt: '2026-03-01T09:55:00.000Z',
    expiresAt: '2026-03-01T11:00:00.000Z',
    execution: { stateMachine: 'warden-response', name: 'f-2-1' },
    ...overrides,
  };
}

function makeExecution(overrides: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    workflow: 'onboarding',
    execution: { stateMachine: 'warden-onboarding', name: 'cli-300000000001' },
    status: 'SUCCEEDED',
    startedAt: '2026-03-01T09:00:00.000Z',
    stoppedAt: '2026-03-01T09:01:35.000Z',
    durationSeconds: 95,
    finding: null,
    decision: null,
    accounts: ['300000000001'],
    ...overrides,
  };
}

function makeNotification(overrides: Partial<NotificationRow> = {}): NotificationRow {
  return {
    at: '2026-03-01T09:30:00.000Z',
    subject: 'Warden: blocked 203.0.113.9 in 333333333333 eu-west-1',
    category: 'BLOCKED',
    text: 'Blocked 203.0.113.9/32 in acl-0a1b2c3d4e5f60718.\n\nExecution: http://127.0.0.1:8080/console',
    ...overrides,
  };
}

function makeCoverage(overrides: Partial<CoverageView> = {}): CoverageView {
  return {
    regions: ['eu-west-1', 'us-east-1'],
    accounts: [
      {
        id: '300000000001',
        name: 'member-01',
        cells: [
          { region: 'eu-west-1', status: 'Enabled' },
          { region: 'us-east-1', status: 'Invited' },
        ],
      },
    ],
    ...overrides,
  };
}

function makeView(overrides: Partial<ConsoleView> = {}): ConsoleView {
  return {
    now: NOW,
    signedInAs: null,
    settings: {
      administratorAccountId: '222222222222',
      homeRegion: 'eu-west-1',
      onboardingMode: 'invitation',
      responseMode: 'enforce',
      killSwitch: false,
      refreshSeconds: 10,
    },
    coverage: { ok: true, value: makeCoverage() },
    blocks: { ok: true, value: [makeBlock()] },
    approvals: { ok: true, value: [makeApproval()] },
    executions: { ok: true, value: [makeExecution()] },
    notifications: { ok: true, value: [makeNotification()] },
    ...overrides,
  };
}

describe('renderCoverage', () => {
  it('puts each account in a row and each region in a column', () => {
    const html = renderCoverage(makeCoverage());

    expect(html).toContain('<th scope="col">eu-west-1</th><th scope="col">us-east-1</th>');
    expect(html).toMatch(/<th scope="row">member-01<br><code>300000000001<\/code><\/th>/);
  });

  it('tells every status by its word and a mark, not by colour alone', () => {
    const statuses = Object.keys(COVERAGE_LOOK) as (keyof typeof COVERAGE_LOOK)[];
    const html = renderCoverage(
      makeCoverage({
        regions: statuses,
        accounts: [
          { id: '300000000001', name: 'all', cells: statuses.map((s) => ({ region: s, status: s })) },
        ],
      }),
    );

    for (const status of statuses) {
      const { label, tone, mark } = COVERAGE_LOOK[status];
      expect(html).toContain(
        `<span class="cell ${tone}"><span aria-hidden="true">${mark}</span> ${label}</span>`,
      );
    }
    expect(new Set(statuses.map((s) => COVERAGE_LOOK[s].label)).size).toBe(statuses.length);
  });

  it('shows a legend of only the statuses on the grid', () => {
    const html = renderCoverage(makeCoverage());

    const legend = /<ul class="legend"[^>]*>(.*?)<\/ul>/.exec(html)![1]!;
    expect(legend).toContain('Enabled');
    expect(legend).toContain('Invited');
    expect(legend).not.toContain('Not a member');
  });

  it('explains each status shown, with the next step, in the legend and on each cell', () => {
    // Arrange
    const html = renderCoverage(
      makeCoverage({
        regions: ['eu-west-1'],
        accounts: [
          { id: '300000000001', name: 'new', cells: [{ region: 'eu-west-1', status: 'NotMember' }] },
        ],
      }),
    );

    // Assert
    const legend = /<ul class="legend"[^>]*>(.*?)<\/ul>/.exec(html)![1]!;
    expect(legend).toContain('Not a member');
    expect(legend).toContain('onboarding has not reached it, or failed (see Recent executions)');
    expect(legend).toContain('npm run warden -- onboard ACCOUNT_ID');
    expect(html).toContain(
      `<td data-region="eu-west-1" title="${escapeHtml(COVERAGE_LOOK.NotMember.explain)}">`,
    );
    for (const look of Object.values(COVERAGE_LOOK)) expect(look.explain.length).toBeGreaterThan(20);
  });

  it('escapes a hostile account name', () => {
    const html = renderCoverage(
      makeCoverage({ accounts: [{ id: '300000000001', name: HOSTILE, cells: [] }] }),
    );

    expect(html).toContain(HOSTILE_ESCAPED);
    expect(html).not.toContain('<script>');
  });

  it('says so when the organisation has no members', () => {
    expect(renderCoverage(makeCoverage({ accounts: [] }))).toContain('no member accounts yet');
  });
});

describe('renderBlocks', () => {
  it('shows the address, NACL, rule number, expiry (relative and absolute) and finding', () => {
    const html = renderBlocks([makeBlock()], NOW);

    expect(html).toContain('<code>203.0.113.9/32</code>');
    expect(html).toContain('<code>acl-0a1b2c3d4e5f60718</code>');
    expect(html).toContain('<td class="num">7</td>');
    expect(html).toContain(
      '<time datetime="2026-03-01T10:59:00.000Z" title="2026-03-01T10:59:00.000Z">in 59 min</time>',
    );
    expect(html).toContain('2026-03-01 10:59:00 UTC');
    expect(html).toContain('Recon:EC2/PortProbeUnprotectedPort');
    expect(html).toContain('<a href="/console/executions/warden-response/f-1-1">story</a>');
  });

  it('names the approver, or policy when the block was automatic', () => {
    expect(renderBlocks([makeBlock({ approvedBy: 'alice' })], NOW)).toContain('<td>alice</td>');
    expect(renderBlocks([makeBlock()], NOW)).toContain('<span class="muted">policy</span>');
  });

  it('escapes a hostile finding type, finding id and approver', () => {
    const html = renderBlocks(
      [makeBlock({ findingType: HOSTILE, findingId: HOSTILE, approvedBy: HOSTILE })],
      NOW,
    );

    expect(html.split(HOSTILE_ESCAPED)).toHaveLength(4);
    expect(html).not.toMatch(/<script|<img/);
  });

  it('says so when nothing is blocked', () => {
    expect(renderBlocks([], NOW)).toContain('No address is blocked.');
  });
});

describe('renderApprovals', () => {
  it('links each pending approval to its approval page', () => {
    const html = renderApprovals([makeApproval()], NOW);

    expect(html).toContain(`<a href="/approvals/${'A'.repeat(43)}">Review and decide</a>`);
    expect(html).toContain('<code>198.51.100.7/32</code><br><code>2001:db8::7/128</code>');
    expect(html).toContain('5 min ago');
    expect(html).toContain('in 1 h');
  });

  it('escapes a hostile finding type', () => {
    const html = renderApprovals([makeApproval({ findingType: HOSTILE })], NOW);

    expect(html).toContain(HOSTILE_ESCAPED);
    expect(html).not.toMatch(/<script|<img/);
  });
});

describe('renderExecutions', () => {
  it('lists workflow, name (linked to its story), status, start and duration', () => {
    const html = renderExecutions([makeExecution()]);

    expect(html).toContain('<td>onboarding</td>');
    expect(html).toContain(
      '<a href="/console/executions/warden-onboarding/cli-300000000001"><code>cli-300000000001</code></a>',
    );
    expect(html).toContain('<span class="cell ok"><span aria-hidden="true">✓</span> SUCCEEDED</span>');
    expect(html).toContain('2026-03-01 09:00:00 UTC');
    expect(html).toContain('1m35s');
  });

  it('lists an ignored finding’s decision record unlinked, with its finding and decision', () => {
    const html = renderExecutions([
      makeExecution({
        workflow: 'ignored',
        execution: { stateMachine: '', name: 'd-0123456789abcdef0123456789abcdef-20260301100500000' },
        status: 'RECORDED',
        durationSeconds: 0,
        accounts: [],
        finding: { type: 'Discovery:S3/AnomalousBehavior', severity: 2 },
        decision: { action: 'IGNORE', reason: 'POLICY', dryRun: false },
      }),
    ]);

    expect(html).toContain('<td>ignored</td>');
    expect(html).toContain(
      '<code>d-0123456789abcdef0123456789abcdef-20260301100500000</code> <span class="muted">decision record</span>',
    );
    expect(html).not.toContain('/console/executions/');
    expect(html).toContain('Discovery:S3/AnomalousBehavior');
    expect(html).toContain('IGNORE');
  });

  it("says what a response is about: the finding's type and severity and the decision", () => {
    const html = renderExecutions([
      makeExecution({
        workflow: 'response',
        accounts: [],
        finding: { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 8 },
        decision: { action: 'BLOCK_AUTO', reason: 'POLICY', dryRun: true },
      }),
    ]);

    expect(html).toContain(
      '<td>Recon:EC2/PortProbeUnprotectedPort <span class="muted">severity 8</span><br><span class="decision">BLOCK_AUTO</span> <span class="cell pending">dry run</span></td>',
    );
  });

  it('names the reason when something overruled the policy', () => {
    const html = renderExecutions([
      makeExecution({
        accounts: [],
        finding: { type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 8 },
        decision: { action: 'NOTIFY', reason: 'ORIGIN_MISMATCH', dryRun: false },
      }),
    ]);

    expect(html).toContain('<span class="decision">NOTIFY</span> <span class="muted">ORIGIN_MISMATCH</span>');
  });

  it('names the accounts of an onboarding, counting those past the third', () => {
    const accounts = ['300000000001', '300000000002', '300000000003', '300000000004', '300000000005'];

    const html = renderExecutions([makeExecution({ accounts })]);

    expect(html).toContain(
      '<td>accounts <code>300000000001</code>, <code>300000000002</code>, <code>300000000003</code> and 2 more</td>',
    );
  });

  it('escapes a hostile finding type and decision', () => {
    const html = renderExecutions([
      makeExecution({
        finding: { type: HOSTILE, severity: null },
        decision: { action: HOSTILE, reason: HOSTILE, dryRun: false },
      }),
    ]);

    expect(html.split(HOSTILE_ESCAPED)).toHaveLength(4);
  });

  it('marks the duration of a running execution as so far', () => {
    const html = renderExecutions([
      makeExecution({ status: 'RUNNING', stoppedAt: null, durationSeconds: 30 }),
    ]);

    expect(html).toContain('30s <span class="muted">so far</span>');
  });
});

describe('renderNotifications', () => {
  it('shows the time, category, subject and text of each notification, line breaks kept', () => {
    const html = renderNotifications([makeNotification()]);

    expect(html).toContain('2026-03-01 09:30:00 UTC');
    expect(html).toContain('<span class="cell info">BLOCKED</span>');
    expect(html).toContain('<h3>Warden: blocked 203.0.113.9 in 333333333333 eu-west-1</h3>');
    expect(html).toContain(
      '<pre class="text">Blocked 203.0.113.9/32 in acl-0a1b2c3d4e5f60718.\n\nExecution: http://127.0.0.1:8080/console</pre>',
    );
  });

  it('escapes a hostile subject, category and text, and links nothing', () => {
    const html = renderNotifications([
      makeNotification({ subject: HOSTILE, category: HOSTILE, text: `${HOSTILE} https://example.com` }),
    ]);

    expect(html.split(HOSTILE_ESCAPED)).toHaveLength(4);
    expect(html).not.toContain('<a ');
  });

  it('says when a message had no subject, and when nothing was sent', () => {
    expect(renderNotifications([makeNotification({ subject: null })])).toContain('(no subject)');
    expect(renderNotifications([])).toContain('Warden has sent no notification yet.');
  });
});

describe('renderConsole', () => {
  it('holds no script and no form: the console only reads', () => {
    const html = renderConsole(makeView());

    expect(html).not.toMatch(/<script|<form|method="post"/i);
    expect(html).toContain('<style>');
  });

  it('reports a part that could not be read, escaped, and still shows the others', () => {
    const html = renderConsole(
      makeView({ blocks: { ok: false, error: `ResourceNotFoundException: ${HOSTILE}` } }),
    );

    expect(html).toContain(`This part could not be read: ResourceNotFoundException: ${HOSTILE_ESCAPED}`);
    expect(html).toContain('Review and decide');
    expect(html).toContain('<div class="figure"><strong>?</strong><span>active blocks</span></div>');
  });

  it('warns when the kill switch is on or the response is a dry run', () => {
    const settings = { ...makeView().settings, killSwitch: true, responseMode: 'dry-run' };

    const html = renderConsole(makeView({ settings }));

    expect(html).toContain('Kill switch on');
    expect(html).toContain('Dry run');
  });

  it('counts Enabled account-regions, blocks, approvals and running executions', () => {
    const html = renderConsole(makeView());

    expect(html).toContain('<strong>1 of 2</strong><span>account-regions Enabled</span>');
    expect(html).toContain('<strong>1</strong><span>pending approvals</span>');
    expect(html).toContain('<strong>0</strong><span>running executions</span>');
  });

  it('offers sign-in only to someone not signed in', () => {
    expect(renderConsole(makeView())).toContain('<a href="/sign-in">Sign in</a>');
    expect(renderConsole(makeView({ signedInAs: HOSTILE }))).not.toContain('href="/sign-in"');
    expect(renderConsole(makeView({ signedInAs: HOSTILE }))).toContain(`Signed in as ${HOSTILE_ESCAPED}`);
  });

  it('is allowed its extra stylesheet by the CSP, by hash', () => {
    const hash = createHash('sha256').update(CONSOLE_STYLE).digest('base64');

    const csp = securityHeaders({ extraStyle: CONSOLE_STYLE })['content-security-policy'];

    expect(renderConsole(makeView())).toContain(`<style>${CONSOLE_STYLE}</style>`);
    expect(csp).toContain(`'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(securityHeaders()['content-security-policy']).not.toContain(hash);
  });
});

describe('renderStoryPage', () => {
  it('tells the story with the finding type escaped', () => {
    const story = buildStory({
      execution: {
        executionArn: 'arn:aws:states:eu-west-1:222222222222:execution:warden-response:f-9-1',
        stateMachineArn: 'arn:aws:states:eu-west-1:222222222222:stateMachine:warden-response',
        name: 'f-9-1',
        status: 'SUCCEEDED',
        startDate: '2026-03-01T09:00:00.000Z',
        stopDate: '2026-03-01T09:00:02.000Z',
        input: JSON.stringify({ finding: { id: 'f-9', type: HOSTILE, severity: 8 } }),
        output: '{}',
      },
      events: [],
    });

    const html = renderStoryPage(story, null);

    expect(html).toContain('<a href="/console#executions">← Console</a>');
    expect(html).toContain('f-9-1');
    expect(html).toContain(HOSTILE_ESCAPED);
    expect(html).not.toMatch(/<script|<img/);
  });

  it('says which execution it does not know', () => {
    const html = renderMissingStory({ stateMachine: 'warden-response', name: 'nope' }, null);

    expect(html).toContain('No such execution');
    expect(html).toContain('<code>nope</code> of <code>warden-response</code>');
  });
});

describe('relativeTime', () => {
  it.each([
    ['2026-03-01T10:00:00Z', 'now'],
    ['2026-03-01T10:00:30Z', 'in less than a minute'],
    ['2026-03-01T09:59:30Z', 'less than a minute ago'],
    ['2026-03-01T10:59:00Z', 'in 59 min'],
    ['2026-03-01T12:05:00Z', 'in 2 h 5 min'],
    ['2026-03-01T07:00:00Z', '3 h ago'],
    ['2026-03-04T10:00:00Z', 'in 3 d'],
  ])('puts %s as %s from 10:00', (at, text) => {
    expect(relativeTime(at, NOW)).toBe(text);
  });

  it('leaves a time it cannot read as it is', () => {
    expect(relativeTime('soon', NOW)).toBe('soon');
  });
});
