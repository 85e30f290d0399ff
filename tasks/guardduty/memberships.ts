import { GetAdministratorAccountCommand, GetMembersCommand, type Member } from '@aws-sdk/client-guardduty';
import { call, chunks } from '../shared/aws-call';
import type { TaskDeps } from '../shared/task';
import { administratorClient, findDetectorId, memberCall, memberClient } from './aws';
import type { MemberEntry, Outcome } from './member-entry';
import { GUARDDUTY_BATCH, type MemberStatus, statusOf } from './members';

/**
 * What `settleRefusals` calls: our own member records, and (through `explainRefusal`) the member
 * account's detector and administrator.
 */
export const SETTLE_REFUSALS = {
  actions: ['guardduty:GetMembers'],
  memberActions: ['guardduty:ListDetectors', 'guardduty:GetAdministratorAccount'],
} as const;

/** GetMembers for `accounts`, 50 at a time; an account with no record is absent from the map. */
export async function readMembers(
  deps: TaskDeps,
  region: string,
  administratorDetectorId: string,
  accounts: readonly string[],
): Promise<Map<string, Member>> {
  const client = administratorClient(deps, region);
  const found = new Map<string, Member>();
  for (const batch of chunks(accounts, GUARDDUTY_BATCH)) {
    const out = await call(`reading ${batch.length} members in ${region}`, () =>
      client.send(new GetMembersCommand({ DetectorId: administratorDetectorId, AccountIds: batch })),
    );
    for (const m of out.Members ?? []) if (m.AccountId) found.set(m.AccountId, m);
  }
  return found;
}

/** Statuses that end an account's branch with a result instead of more work, whatever the mode. */
const TERMINAL: Partial<Record<MemberStatus, { outcome: Outcome; detail: string }>> = {
  Disabled: {
    outcome: 'DISABLED',
    detail: 'the member has suspended GuardDuty; it must enable its detector again',
  },
  Resigned: {
    outcome: 'RESIGNED',
    detail: 'the member left this administrator; a person must agree before it is invited again',
  },
  EmailVerificationInProgress: {
    outcome: 'EMAIL_VERIFICATION_IN_PROGRESS',
    detail: 'GuardDuty is still verifying the member e-mail address; the next sweep looks again',
  },
  EmailVerificationFailed: {
    outcome: 'EMAIL_VERIFICATION_FAILED',
    detail: 'GuardDuty could not verify the member e-mail address; correct it, then onboard again',
  },
};

/**
 * The result that ends an account's branch for this status, if any. `member` is the record the
 * status came from, so an unknown status is reported as GuardDuty spelled it.
 */
export function terminalFor(
  status: MemberStatus,
  member?: Member,
): { outcome: Outcome; detail: string } | undefined {
  if (status === 'Unknown') {
    return {
      outcome: 'UNKNOWN_RELATIONSHIP_STATUS',
      detail: `GuardDuty reports the relationship status ${JSON.stringify(member?.RelationshipStatus ?? '')}, which Warden does not know; look at the member in GuardDuty`,
    };
  }
  return TERMINAL[status];
}

/**
 * Why GuardDuty refused an account: the usual reason is that it already belongs to another
 * administrator, which only the member account can tell (UnprocessedAccounts' text is not a
 * contract). Asked only on this rare path, to keep onboarding's calls per account low.
 */
export async function explainRefusal(
  deps: TaskDeps,
  region: string,
  entry: MemberEntry,
  refusal: string,
): Promise<MemberEntry> {
  const client = memberClient(deps, entry.accountId, region);
  const send = <T>(doing: string, fn: () => Promise<T>) => memberCall(deps, entry.accountId, doing, fn);
  const detectorId =
    entry.memberDetectorId ?? (await findDetectorId(client, send, `in ${entry.accountId} in ${region}`));
  if (detectorId) {
    const out = await send(`reading the administrator of ${entry.accountId} in ${region}`, () =>
      client.send(new GetAdministratorAccountCommand({ DetectorId: detectorId })),
    );
    const admin = out.Administrator;
    const ours = deps.config.organization.securityAccountId;
    if (
      admin?.AccountId &&
      admin.AccountId !== ours &&
      ['Enabled', 'Disabled'].includes(admin.RelationshipStatus ?? '')
    ) {
      return {
        ...entry,
        outcome: 'MEMBER_OF_ANOTHER_ADMINISTRATOR',
        detail: `already a member of GuardDuty administrator ${admin.AccountId}`,
      };
    }
  }
  return { ...entry, outcome: 'FAILED', error: 'MembershipRejectedError', detail: refusal };
}

/** Folds a Map state's per-account results into the region's members. */
export function mergeStepResults(
  members: readonly MemberEntry[],
  results: readonly {
    accountId: string;
    ok: boolean;
    memberDetectorId?: string;
    outcome?: Outcome;
    detail?: string;
    error?: string;
    cause?: string;
  }[] = [],
): MemberEntry[] {
  const byAccount = new Map(results.map((r) => [r.accountId, r]));
  return members.map((m) => {
    const r = byAccount.get(m.accountId);
    if (!r || m.outcome) return m;
    if (!r.ok) {
      const roleMissing = r.error === 'MemberRoleUnavailableError';
      return {
        ...m,
        outcome: r.outcome ?? (roleMissing ? 'MEMBER_ROLE_UNAVAILABLE' : 'FAILED'),
        error: r.error,
        detail: r.detail ?? r.cause,
      };
    }
    return {
      ...m,
      memberDetectorId: r.memberDetectorId ?? m.memberDetectorId,
      ...(r.outcome ? { outcome: r.outcome, detail: r.detail } : {}),
    };
  });
}

/** What a GuardDuty membership call answers of the accounts it did not process, and why. */
interface BatchAnswer {
  UnprocessedAccounts?: { AccountId?: string; Result?: string }[];
}

/**
 * Makes a batched membership call (CreateMembers, InviteMembers) for `members`, 50 accounts a call
 * as GuardDuty takes them, and gathers what GuardDuty refused: each refused account with its reason,
 * for `settleRefusals`.
 */
export async function refusalsOfBatches(
  members: readonly MemberEntry[],
  doing: (count: number) => string,
  send: (batch: readonly MemberEntry[]) => Promise<BatchAnswer>,
): Promise<Map<string, string>> {
  const refused = new Map<string, string>();
  for (const batch of chunks(members, GUARDDUTY_BATCH)) {
    const out = await call(doing(batch.length), () => send(batch));
    for (const u of out.UnprocessedAccounts ?? []) if (u.AccountId) refused.set(u.AccountId, u.Result ?? '');
  }
  return refused;
}

/**
 * Settles the accounts a batch call refused. A retried task repeats calls that already took
 * effect, and GuardDuty then refuses them as "already a member" or "already invited"; reading our
 * own record tells those apart from real refusals, which the member account explains.
 */
export async function settleRefusals(
  deps: TaskDeps,
  region: string,
  administratorDetectorId: string,
  members: readonly MemberEntry[],
  refused: ReadonlyMap<string, string>,
  succeeded: (status: MemberStatus) => boolean,
): Promise<MemberEntry[]> {
  if (refused.size === 0) return [...members];
  const records = await readMembers(deps, region, administratorDetectorId, [...refused.keys()]);
  return Promise.all(
    members.map(async (m): Promise<MemberEntry> => {
      const refusal = refused.get(m.accountId);
      if (refusal === undefined) return m;
      const status = statusOf(records.get(m.accountId));
      if (succeeded(status)) return { ...m, status };
      const terminal = terminalFor(status, records.get(m.accountId));
      if (terminal) return { ...m, status, ...terminal };
      return explainRefusal(deps, region, m, refusal);
    }),
  );
}
