import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { NotificationCategory } from '../../config/schema';
import { classifyAwsError } from './errors';
import type { TaskDeps } from './task';

/**
 * Every message Warden sends goes through here: one SNS topic, message attributes that
 * subscribers filter on (category, severity, account, region), a readable text for e-mail, and
 * an AWS Chatbot custom notification for chat channels (MessageStructure json: chat clients get
 * the `https` variant, e-mail and everything else the `default` text).
 */
export interface Notification {
  category: NotificationCategory;
  /** LOW | MEDIUM | HIGH | CRITICAL | INFO */
  severity: string;
  account: string;
  region: string;
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
  const text = [...n.lines, ...(n.links ?? []).map((l) => `${l.label}: ${l.url}`)].join('\n\n');
  const chat = {
    version: '1.0',
    source: 'custom',
    id: `${n.category}-${n.account}-${Date.now()}`,
    content: {
      textType: 'client-markdown',
      title: subject,
      description: [...n.lines, ...(n.links ?? []).map((l) => `<${l.url}|${l.label}>`)].join('\n'),
    },
    metadata: {
      enableCustomActions: false,
      threadId: n.category,
      summary: subject,
      eventType: n.category,
      relatedResources: [n.account, n.region],
      additionalContext: { severity: n.severity },
    },
  };
  try {
    const out = await sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Subject: subject,
        MessageStructure: 'json',
        Message: JSON.stringify({ default: text, email: text, https: JSON.stringify(chat) }),
        MessageAttributes: {
          category: { DataType: 'String', StringValue: n.category },
          severity: { DataType: 'String', StringValue: n.severity },
          account: { DataType: 'String', StringValue: n.account },
          region: { DataType: 'String', StringValue: n.region },
        },
      }),
    );
    return { published: true, messageId: out.MessageId ?? '' };
  } catch (error) {
    return classifyAwsError(error, 'publishing the notification');
  }
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
