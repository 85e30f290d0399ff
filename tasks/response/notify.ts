import { GetAccountPasswordPolicyCommand, IAMClient, type PasswordPolicy } from '@aws-sdk/client-iam';
import type { NotificationCategory, WardenConfig } from '../../config/schema';
import * as z from '../../config/zod-mini';
import { call } from '../shared/aws-call';
import { taskEnvironment } from '../shared/environment';
import { lambdaHandler } from '../shared/lambda';
import { type Notification, type PublishResult, publish } from '../shared/notifications';
import { defineTask, type TaskDeps } from '../shared/task';
import { type BlockState, TriageSchema } from './contract';
import { severityBand } from './policy';

/**
 * Tells people what happened at each turn of a response: the finding itself (with its own alert
 * category for the four high-signal kinds), a block applied or refused, an approval rejected or
 * unanswered, a block lifted, an action that failed.
 */
const KINDS = [
  'FINDING',
  'BLOCKED',
  'LIFTED',
  'APPROVAL_REJECTED',
  'APPROVAL_TIMED_OUT',
  'ACTION_FAILED',
] as const;

const Input = z.object({
  kind: z.enum(KINDS),
  triage: TriageSchema,
  block: z.optional(z.custom<BlockState>((v) => v === undefined || (typeof v === 'object' && v !== null))),
  approval: z.optional(
    z.looseObject({
      approver: z.optional(z.string().check(z.maxLength(200))),
      reason: z.optional(z.string().check(z.maxLength(2000))),
    }),
  ),
  error: z.optional(
    z.object({
      Error: z.string().check(z.maxLength(256)),
      Cause: z.optional(z.string().check(z.maxLength(32768))),
    }),
  ),
});
type Input = z.infer<typeof Input>;

export const notifyTask = defineTask({
  id: 'Notify',
  entry: __filename,
  environment: taskEnvironment('TOPIC_ARN'),
  input: Input,
  needs: { publish: true, assumeMemberRole: true, memberActions: ['iam:GetAccountPasswordPolicy'] },
  run: notify,
});

export const handler = lambdaHandler(notifyTask);

export async function notify(
  input: Input,
  deps: TaskDeps,
): Promise<PublishResult & { category: NotificationCategory }> {
  const message = await compose(input, deps);
  return { ...(await publish(deps, message)), category: message.category };
}

async function compose(input: Input, deps: TaskDeps): Promise<Notification> {
  const t = input.triage;
  const where = `account ${t.accountId}, ${t.region}${t.instanceId ? `, instance ${t.instanceId}` : ''}`;
  const base = {
    severity: severityBand(t.severity),
    account: t.accountId,
    region: t.region,
  };
  const finding = `GuardDuty finding ${t.type} (severity ${t.severity}) in ${where}.`;
  const results = input.block?.results ?? [];
  switch (input.kind) {
    case 'FINDING': {
      const lines = [finding, `Policy rule: ${t.rule}. Decision: ${t.decision}.`];
      if (t.recommendation === 'ISOLATE_INSTANCE') {
        lines.push(
          'Recommendation: isolate the instance — it is the source of the activity, so blocking addresses would not help.',
        );
      } else if (t.recommendation === 'INVESTIGATE_INSTANCE') {
        lines.push('Recommendation: investigate the instance.');
      }
      if (t.category === 'PASSWORD_POLICY_CHANGED')
        lines.push(await passwordPolicyVerdict(t.accountId, t.region, deps));
      return {
        ...base,
        category: t.category as NotificationCategory,
        subject: `${titleOf(t.category)}: ${t.type}`,
        lines,
      };
    }
    case 'BLOCKED': {
      const blocked = results.filter((r) => r.outcome === 'BLOCKED' || r.outcome === 'EVICTED_OLDEST');
      const refused = results.filter((r) => r.outcome === 'REFUSED_FULL' || r.outcome === 'NACL_GONE');
      const category: NotificationCategory =
        blocked.length === 0 && refused.length > 0 ? 'ACTION_FAILED' : 'BLOCKED';
      const verb = t.dryRun ? 'Dry run — would block' : blocked.length ? 'Blocked' : 'Nothing new blocked';
      return {
        ...base,
        category,
        subject: `${verb}: ${t.type} in ${t.accountId}`,
        lines: [
          finding,
          ...(input.approval?.approver ? [`Approved by ${input.approval.approver}.`] : []),
          ...results.map(
            (r) => `• ${r.cidr} in ${r.naclId} (${r.subnetIds.join(', ')}): ${r.outcome} — ${r.detail}`,
          ),
          ...(input.block?.expiresAt
            ? [`The block expires at ${input.block.expiresAt} unless the attack continues.`]
            : []),
        ],
      };
    }
    case 'LIFTED':
      return {
        ...base,
        severity: 'INFO',
        category: 'UNBLOCKED',
        subject: `Block lifted: ${t.type} in ${t.accountId}`,
        lines: [
          finding,
          ...(input.block?.lifted ?? []).map(
            (l) => `• ${l.cidr} in ${l.naclId} (rule ${l.ruleNumber}): ${l.outcome} at ${l.at}`,
          ),
        ],
      };
    case 'APPROVAL_REJECTED':
    case 'APPROVAL_TIMED_OUT': {
      const rejected = input.kind === 'APPROVAL_REJECTED';
      const cause = parseCause(input.error?.Cause);
      return {
        ...base,
        category: 'APPROVAL_DECIDED',
        subject: `${rejected ? 'Block rejected' : 'Approval timed out'}: ${t.type} in ${t.accountId}`,
        lines: [
          finding,
          rejected
            ? `${cause.approver ?? 'An approver'} rejected the block${cause.reason ? `: “${cause.reason}”` : ''}. Nothing was changed.`
            : `Nobody decided in time; policy says ${deps.config.response.approval.onTimeout}. Nothing was changed.`,
        ],
      };
    }
    case 'ACTION_FAILED':
      return {
        ...base,
        category: 'ACTION_FAILED',
        subject: `Warden could not act: ${t.type} in ${t.accountId}`,
        lines: [
          finding,
          `Error ${input.error?.Error ?? 'unknown'}: ${input.error?.Cause ?? ''}`.slice(0, 2000),
        ],
      };
  }
}

/** How the account's password policy now compares with the configured baseline. */
async function passwordPolicyVerdict(account: string, region: string, deps: TaskDeps): Promise<string> {
  const iam = deps.clients.client(IAMClient, {
    account,
    region,
    roleName: deps.config.organization.memberRoleName,
  });
  const deleted = () =>
    'The account has NO password policy now: it was deleted. IAM falls back to its weak defaults.';
  const denied = (error: Error) =>
    `Warden could not read the password policy (${error.name}); check the member role.`;
  const read = await call(
    'reading the password policy',
    async (): Promise<{ policy?: PasswordPolicy }> => ({
      policy: (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy,
    }),
    {
      NoSuchEntityException: deleted,
      NoSuchEntity: deleted,
      AccessDenied: denied,
      AccessDeniedException: denied,
    },
  );
  if (typeof read === 'string') return read;
  const gaps = weakerThanBaseline(read.policy ?? {}, deps.config.notifications.passwordPolicyBaseline);
  return gaps.length
    ? `The password policy is now WEAKER than the baseline: ${gaps.join('; ')}.`
    : 'The password policy still meets the baseline.';
}

export function weakerThanBaseline(
  policy: PasswordPolicy,
  baseline: WardenConfig['notifications']['passwordPolicyBaseline'],
): string[] {
  const gaps: string[] = [];
  if ((policy.MinimumPasswordLength ?? 8) < baseline.minimumPasswordLength) {
    gaps.push(`minimum length ${policy.MinimumPasswordLength ?? 8} < ${baseline.minimumPasswordLength}`);
  }
  const flags = [
    ['RequireSymbols', 'requireSymbols', 'symbols'],
    ['RequireNumbers', 'requireNumbers', 'numbers'],
    ['RequireUppercaseCharacters', 'requireUppercaseCharacters', 'upper-case letters'],
    ['RequireLowercaseCharacters', 'requireLowercaseCharacters', 'lower-case letters'],
  ] as const;
  for (const [field, key, label] of flags) {
    if (baseline[key] && !policy[field]) gaps.push(`${label} not required`);
  }
  if (
    baseline.maxPasswordAge > 0 &&
    (!policy.MaxPasswordAge || policy.MaxPasswordAge > baseline.maxPasswordAge)
  ) {
    gaps.push(`maximum age ${policy.MaxPasswordAge ?? 'none'} > ${baseline.maxPasswordAge} days`);
  }
  if ((policy.PasswordReusePrevention ?? 0) < baseline.passwordReusePrevention) {
    gaps.push(
      `reuse prevention ${policy.PasswordReusePrevention ?? 0} < ${baseline.passwordReusePrevention}`,
    );
  }
  return gaps;
}

function parseCause(cause: string | undefined): { approver?: string; reason?: string } {
  try {
    return cause ? (JSON.parse(cause) as { approver?: string; reason?: string }) : {};
  } catch {
    return { reason: cause };
  }
}

function titleOf(category: string): string {
  const titles: Record<string, string> = {
    CLOUDTRAIL_LOGGING_DISABLED: 'CloudTrail logging disabled',
    PASSWORD_POLICY_CHANGED: 'Password policy changed',
    ROOT_CREDENTIAL_USAGE: 'Root credentials used',
    INSTANCE_PORT_SCANNING: 'Instance port-scanning others',
    UNUSUAL_TRAFFIC_VOLUME: 'Unusual EC2 traffic volume',
  };
  return titles[category] ?? 'GuardDuty finding';
}
