import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { NotificationCategory } from '../../config/schema';
import { call } from './aws-call';
import { showBidiControls } from './bidi';
import type { TaskDeps } from './task';

/**
 * Every message Warden sends goes through here: one SNS topic, message attributes that
 * subscribers filter on (category, severity, account, region) in one shape for every message, a
 * readable text for e-mail, and
 * an AWS Chatbot custom notification for chat channels (MessageStructure json: chat clients get
 * the `https` variant, e-mail and everything else the `default` text).
 */
export interface Notification {
  category: NotificationCategory;
  /** LOW | MEDIUM | HIGH | CRITICAL | INFO */
  severity: string;
  /**
   * The accounts and regions the message is about: one, or several for a summary (a drift sweep,
   * the free-trial watch). Both are always sent as String.Array attributes, so one filter policy
   * such as `{"account": ["111111111111"]}` selects every message about that account: SNS accepts
   * a message when at least one value of the policy matches a value of the attribute
   * (https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html).
   */
  account: string | readonly string[];
  region: string | readonly string[];
  /** ≤ 100 characters, one line (SNS's subject rules). */
  subject: string;
  /** Paragraphs of plain text, read by people. */
  lines: string[];
  /** Links shown under the text. */
  links?: { label: string; url: string }[];
}

export type PublishResult = { published: true; messageId: string } | { published: false; reason: string };

export async function publish(
  deps: Pick<TaskDeps, 'clients' | 'config' | 'topicArn'>,
  n: Notification,
): Promise<PublishResult> {
  if (deps.config.notifications.disabled.includes(n.category)) {
    return { published: false, reason: `category ${n.category} is switched off in config` };
  }
  const { securityAccountId, homeRegion } = deps.config.organization;
  const sns = deps.clients.client(SNSClient, { account: securityAccountId, region: homeRegion });
  const subject = oneLine(n.subject).slice(0, 100);
  const accounts = typeof n.account === 'string' ? [n.account] : [...n.account];
  const regions = typeof n.region === 'string' ? [n.region] : [...n.region];
  // Finding text reaches people's mail and chat: bidirectional controls are shown, not obeyed.
  const lines = n.lines.map(showBidiControls);
  const text = [...lines, ...(n.links ?? []).map((l) => `${l.label}: ${l.url}`)].join('\n\n');
  const chat = {
    version: '1.0',
    source: 'custom',
    id: `${n.category}-${accounts.length === 1 ? accounts[0] : `${accounts.length}-accounts`}-${Date.now()}`,
    content: {
      textType: 'client-markdown',
      title: subject,
      description: [...lines, ...(n.links ?? []).map((l) => `<${l.url}|${l.label}>`)].join('\n'),
    },
    metadata: {
      enableCustomActions: false,
      threadId: n.category,
      summary: subject,
      eventType: n.category,
      relatedResources: [...accounts, ...regions],
      additionalContext: { severity: n.severity },
    },
  };
  const out = await call('publishing the notification', () =>
    sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Subject: subject,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: text, email: text, https: JSON.stringify(chat) }),
        MessageAttributes: {
          category: { DataType: 'String', StringValue: n.category },
          severity: { DataType: 'String', StringValue: n.severity },
          account: { DataType: 'String.Array', StringValue: JSON.stringify(accounts) },
          region: { DataType: 'String.Array', StringValue: JSON.stringify(regions) },
        },
      }),
    ),
  );
  return { published: true, messageId: out.MessageId ?? '' };
}

/** SNS subjects must be one line of printable ASCII-ish text. */
function oneLine(text: string): string {
  return (
    text
      .replace(/[\r\n\t]+/g, ' ')
      .replace(/[^\x20-\x7e]/g, '?')
      .trim() || 'Warden'
  );
}
