import * as z from 'zod';
import { type ApprovalRequest, ApprovalRequestSchema } from '../approval/contract';
import { ApprovalStore } from '../approval/store';
import { taskEnvironment } from '../shared/environment';
import { InvalidInputError } from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { type PublishResult, publish } from '../shared/notifications';
import { defineTask } from '../shared/task';
import { severityBand } from './policy';

/**
 * The first half of a human approval (a `.waitForTaskToken` task): keeps the task token in a
 * pending approval under an unguessable id, and sends one notification with the link to the
 * approval page. The page's decision resumes the execution; this task only returns what the
 * history should show. The token itself never leaves the approvals table: it is not logged,
 * returned, linked or rendered.
 */
/**
 * Step Functions' task tokens are up to 2,048 characters (the `taskToken` member of
 * SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat: "Length Constraints: Minimum length of 1.
 * Maximum length of 2048.").
 */
export const MAX_TASK_TOKEN_CHARS = 2048;

const Input = z.object({
  taskToken: z.string().min(1).max(MAX_TASK_TOKEN_CHARS),
  request: ApprovalRequestSchema.refine((r) => !Number.isNaN(Date.parse(r.expiresAt)), {
    path: ['expiresAt'],
    message: 'must be an ISO 8601 time',
  }),
  /** `$$.Execution.Id`, kept with the approval for the audit trail. */
  executionArn: z.string().max(2048).optional(),
});
export type RequestApprovalInput = z.infer<typeof Input>;

export interface RequestApprovalOutput {
  approvalId: string;
  /** The approval page; it holds the id, never the token. */
  url: string;
  expiresAt: string;
  /** Whether the notification went out, or why not (its category is switched off in config). */
  notification: PublishResult;
}

export const requestApprovalTask = defineTask<RequestApprovalInput, RequestApprovalOutput>({
  id: 'RequestApproval',
  entry: __filename,
  environment: taskEnvironment('APPROVALS_TABLE', 'TOPIC_ARN', 'APPROVAL_BASE_URL'),
  input: Input,
  needs: { tables: { approvals: 'write' }, publish: true },
  async run({ taskToken, request, executionArn }, deps) {
    if (Date.parse(request.expiresAt) <= deps.now().getTime()) {
      throw new InvalidInputError(
        `RequestApproval received request.expiresAt ${request.expiresAt}, which is not in the future`,
      );
    }
    const record = await ApprovalStore.fromDeps(deps).create({ taskToken, request, executionArn });
    const url = `${deps.approvalBaseUrl.replace(/\/+$/, '')}/${record.pk}`;
    // Stored first: a link in a message must never point at an approval that does not exist.
    const notification = await publish(deps, approvalNotification(request, url, record.expiresAt));
    deps.logger.info('approval requested', {
      approvalId: record.pk,
      findingId: request.findingId,
      published: notification.published,
    });
    return { approvalId: record.pk, url, expiresAt: record.expiresAt, notification };
  },
});

export const handler = lambdaHandler(requestApprovalTask);

/**
 * The message an approver reads. Values from the finding are attacker-influenced: they are kept
 * to one line each and set as code spans, so they cannot forge extra lines or links in e-mail
 * or chat.
 */
export function approvalNotification(request: ApprovalRequest, url: string, expiresAt: string) {
  const band = severityBand(request.severity);
  const where = `account ${request.accountId}, region ${literal(request.region)}`;
  const target = request.instanceId ? `instance ${literal(request.instanceId)}` : 'an instance';
  const addresses = request.addresses.map((a) => `- ${literal(a.cidr)}: ${literal(a.reason)}`);
  const nacls = request.nacls.map((n) => {
    const shared = n.subnetIds.length > 1 ? `; shared by ${n.subnetIds.length} subnets` : '';
    return `- ${literal(n.naclId)} in ${literal(n.vpcId)} (subnets ${n.subnetIds.map(literal).join(', ')}${shared})`;
  });
  const [first] = request.addresses;
  const what = request.addresses.length === 1 && first ? first.cidr : `${request.addresses.length} addresses`;
  return {
    category: 'APPROVAL_REQUESTED' as const,
    severity: band,
    account: request.accountId,
    region: request.region,
    subject: `Approval needed: block ${what} in ${request.accountId} ${request.region}`,
    lines: [
      `GuardDuty reported ${literal(request.findingType)} (severity ${request.severity.toFixed(1)}, ${band.toLowerCase()}) on ${target} in ${where}. Finding ${literal(request.findingId)}.`,
      [
        'Warden proposes to deny all inbound traffic from:',
        ...addresses,
        `in these network ACLs, with one DENY entry each in Warden's rule band ${request.ruleBand.start}-${request.ruleBand.end}:`,
        ...nacls,
      ].join('\n'),
      `The block would last ${minutesText(request.blockMinutes)} and then be removed automatically.${request.dryRun ? ' Dry run: Warden records the decision and changes no network ACL.' : ''}`,
      `Approve or reject before ${expiresAt.slice(0, 16).replace('T', ' ')} UTC. ${
        request.onTimeout === 'block'
          ? 'If nobody decides by then, Warden blocks anyway.'
          : 'If nobody decides by then, nothing is blocked.'
      }`,
    ],
    links: [{ label: 'Review and decide', url }],
  };
}

/** One line, no backticks, in a code span: shown as typed, never as markup or a new line. */
function literal(value: string): string {
  const flat = value
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/`/g, "'")
    .trim();
  return `\`${flat}\``;
}

function minutesText(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? '' : 's'}`;
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
