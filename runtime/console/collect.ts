import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readDecisionRecords } from '../../audit/decisions/read-decisions';
import { type Loose, num, obj, str, strings } from '../../audit/loose';
import { DECISIONS_WORKFLOW, RECORDED_STATUS } from '../../audit/story-decision';
import { workflowOf } from '../../audit/workflows';
import { pendingApprovalListing } from '../../tasks/approval/pending-listing';
import { ApprovalStore } from '../../tasks/approval/store';
import { Ledger } from '../../tasks/response/ledger';
import { stateMachineNameOf } from '../../tasks/shared/archive-format';
import type { ExecutionRecord } from '../history';
import type { LocalWarden } from '../local-warden';
import type {
  ApprovalRow,
  BlockRow,
  ConsoleView,
  CoverageView,
  ExecutionRef,
  ExecutionRow,
  NotificationRow,
  Readout,
} from './model';

/** The parts of a local Warden the console reads; it never changes any of them. */
export type ConsoleWarden = Pick<LocalWarden, 'config' | 'deps' | 'runtime' | 'world' | 'clock' | 'topicArn'>;

export interface CollectOptions {
  signedInAs: string | null;
  refreshSeconds: number;
  /** How many of the latest executions to list. */
  executionLimit: number;
  /** How many of the latest notifications to show. */
  notificationLimit: number;
}

export async function collectConsoleView(
  warden: ConsoleWarden,
  options: CollectOptions,
): Promise<ConsoleView> {
  const { organization, onboarding, response } = warden.config;
  const [coverage, blocks, approvals, executions, notifications] = await Promise.all([
    readout(() => readCoverage(warden)),
    readout(() => readBlocks(warden)),
    readout(() => readApprovals(warden)),
    readout(() => readExecutions(warden, options.executionLimit)),
    readout(async () => readNotifications(warden, options.notificationLimit)),
  ]);
  return {
    now: new Date(warden.clock.now()),
    signedInAs: options.signedInAs,
    settings: {
      administratorAccountId: organization.securityAccountId,
      homeRegion: organization.homeRegion,
      onboardingMode: onboarding.mode,
      responseMode: response.mode,
      killSwitch: response.killSwitch,
      refreshSeconds: options.refreshSeconds,
    },
    coverage,
    blocks,
    approvals,
    executions,
    notifications,
  };
}

/** A failed read becomes a message on its part of the page instead of a failed page. */
async function readout<T>(read: () => Promise<T>): Promise<Readout<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    const { name, message } = error as Error;
    return { ok: false, error: `${name}: ${message}` };
  }
}

/**
 * The accounts as Warden's sweep sees them (Organizations' ListAccounts, active members other
 * than the management and administrator accounts) and each region's membership status as the
 * sandbox's GuardDuty administrator records it, read directly so that looking changes nothing
 * (a GetMembers call would use up the sandbox's accept lag).
 */
async function readCoverage(warden: ConsoleWarden): Promise<CoverageView> {
  const { securityAccountId, managementAccountId, homeRegion, regions } = warden.config.organization;
  const organizations = warden.deps.clients.client(OrganizationsClient, {
    account: securityAccountId,
    region: homeRegion,
  });
  const members: { id: string; name: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await organizations.send(new ListAccountsCommand({ NextToken: nextToken }));
    for (const account of page.Accounts ?? []) {
      if (!account.Id || account.Status !== 'ACTIVE') continue;
      if (account.Id === managementAccountId || account.Id === securityAccountId) continue;
      members.push({ id: account.Id, name: account.Name ?? '' });
    }
    nextToken = page.NextToken;
  } while (nextToken);

  const { guardduty, account: regionsOf } = warden.world.services;
  return {
    regions: [...regions],
    accounts: members
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      .map((member) => ({
        ...member,
        cells: regions.map((region) => {
          const status = guardduty.relationship(securityAccountId, member.id, region);
          if (status) return { region, status };
          return {
            region,
            status: regionsOf.statusOf(member.id, region) === 'DISABLED' ? 'RegionDisabled' : 'NotMember',
          };
        }),
      })),
  };
}

async function readBlocks(warden: ConsoleWarden): Promise<BlockRow[]> {
  const active = await new Ledger(warden.deps).allActive();
  return active
    .map((block): BlockRow => {
      const finding = findingOf(executionRecord(warden, block.executionArn));
      return {
        cidr: block.cidr,
        account: block.account,
        region: block.region,
        naclId: block.naclId,
        ruleNumber: block.ruleNumber,
        state: block.state,
        createdAt: block.createdAt,
        expiresAt: block.expiresAt,
        findingId: block.findingId,
        findingType: finding.type,
        severity: finding.severity,
        approvedBy: block.approvedBy ?? null,
        execution: executionRefOf(block.executionArn),
      };
    })
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.cidr.localeCompare(b.cidr));
}

async function readApprovals(warden: ConsoleWarden): Promise<ApprovalRow[]> {
  const pending = await ApprovalStore.fromDeps(warden.deps).listPending();
  return pending.map((approval): ApprovalRow => {
    const { link: _link, ...listing } = pendingApprovalListing(approval, warden.deps.approvalBaseUrl);
    const { request, executionArn } = approval;
    return {
      ...listing,
      naclIds: request.nacls.map((n) => n.naclId),
      execution: executionRefOf(executionArn ?? waitingExecutionOf(warden, request.findingId) ?? ''),
    };
  });
}

/**
 * The execution that waits for a finding's approval, for approvals stored without their
 * execution's ARN: the running execution that started from that finding (the newest, should a
 * later generation of the finding have started another).
 */
function waitingExecutionOf(warden: ConsoleWarden, findingId: string): string | undefined {
  return warden.runtime.list(undefined, 'RUNNING').find((r) => findingOf(r).id === findingId)?.executionArn;
}

/**
 * The latest executions and, beside them, the decision records of ignored findings (which start
 * no execution), newest first: the same list `warden audit` gives.
 */
async function readExecutions(warden: ConsoleWarden, limit: number): Promise<ExecutionRow[]> {
  const now = warden.clock.now();
  const executions = warden.runtime
    .list()
    .slice(0, limit)
    .map((record): ExecutionRow => {
      const stateMachine = stateMachineNameOf(record.stateMachineArn);
      const end = record.stopDate ? Date.parse(record.stopDate) : now;
      const finding = findingOf(record);
      return {
        workflow: workflowOf(stateMachine),
        execution: { stateMachine, name: record.name },
        status: record.status,
        startedAt: record.startDate,
        stoppedAt: record.stopDate ?? null,
        durationSeconds: Math.max(0, (end - Date.parse(record.startDate)) / 1000),
        finding: finding.type === null ? null : { type: finding.type, severity: finding.severity },
        decision: finding.decision,
        accounts: accountsOf(record),
      };
    });
  const { securityAccountId, homeRegion } = warden.config.organization;
  const doc = DynamoDBDocumentClient.from(
    warden.deps.clients.client(DynamoDBClient, { account: securityAccountId, region: homeRegion }),
  );
  const decisions = (
    await readDecisionRecords(doc, warden.deps.tables.findings, { since: null, until: null })
  ).map(
    (record): ExecutionRow => ({
      workflow: DECISIONS_WORKFLOW,
      // No state machine: the row names the record, which has no story page of its own.
      execution: { stateMachine: '', name: record.name },
      status: RECORDED_STATUS,
      startedAt: record.decidedAt,
      stoppedAt: record.decidedAt,
      durationSeconds: 0,
      finding: { type: record.finding.type, severity: record.finding.severity },
      decision: {
        action: record.triage.decision,
        reason: record.triage.reason,
        dryRun: (record.triage as { dryRun?: unknown }).dryRun === true,
      },
      accounts: [],
    }),
  );
  return [...executions, ...decisions]
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
    .slice(0, limit);
}

/**
 * The latest messages on Warden's topic, newest first, as an e-mail subscriber got them from the
 * sandbox's SNS: the subject and the `email` text that subscribers' inboxes show.
 */
function readNotifications(warden: ConsoleWarden, limit: number): NotificationRow[] {
  return warden.world.services.sns
    .deliveredTo(warden.topicArn, 'email')
    .slice(-limit)
    .reverse()
    .map(
      (n): NotificationRow => ({
        at: n.Timestamp,
        subject: n.Subject ?? null,
        category: n.MessageAttributes.category?.Value ?? null,
        text: n.Message,
      }),
    );
}

/** The execution a story page names, or undefined. */
export function findExecution(warden: ConsoleWarden, ref: ExecutionRef): ExecutionRecord | undefined {
  return warden.runtime
    .list()
    .find((r) => r.name === ref.name && stateMachineNameOf(r.stateMachineArn) === ref.stateMachine);
}

function executionRecord(warden: ConsoleWarden, executionArn: string): ExecutionRecord | undefined {
  return warden.runtime.store.has(executionArn) ? warden.runtime.store.get(executionArn) : undefined;
}

/** `arn:aws:states:<region>:<account>:execution:<stateMachine>:<name>` → its parts. */
export function executionRefOf(executionArn: string): ExecutionRef | null {
  const parts = executionArn.split(':');
  if (parts.length !== 8 || parts[5] !== 'execution' || !parts[6] || !parts[7]) return null;
  return { stateMachine: parts[6], name: parts[7] };
}

/**
 * The finding a response (or ignored) execution started from and the policy's decision for it,
 * as the intake put them in the input (`{ finding, triage }`, tasks/response/intake.ts).
 */
function findingOf(record: ExecutionRecord | undefined): {
  id: string | null;
  type: string | null;
  severity: number | null;
  decision: ExecutionRow['decision'];
} {
  const input = inputOf(record);
  const finding = obj(input?.finding);
  const triage = obj(input?.triage);
  const action = str(triage?.decision);
  return {
    id: str(finding?.id),
    type: str(finding?.type),
    severity: num(finding?.severity),
    decision:
      action === null ? null : { action, reason: str(triage?.reason), dryRun: triage?.dryRun === true },
  };
}

/** The accounts an onboarding execution was started for (`{ trigger, accounts }`). */
function accountsOf(record: ExecutionRecord): string[] {
  return strings(inputOf(record)?.accounts);
}

function inputOf(record: ExecutionRecord | undefined): Loose | null {
  // The runtime stores the input as JSON.stringify wrote it, so it always parses.
  return obj(JSON.parse(record?.input ?? 'null'));
}
