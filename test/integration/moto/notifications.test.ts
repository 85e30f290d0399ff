import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { WardenConfig } from '../../../config/schema';
import type { ClientFactory } from '../../../tasks/shared/aws-clients';
import { type Notification, publish } from '../../../tasks/shared/notifications';
import { makeConfig } from '../../fixtures/findings';
import { createWardenOrganization, HOME_REGION, type MotoAccount, unique } from './moto-organization';

/**
 * Warden's publish() against SNS on moto: one topic in the security account, MessageStructure
 * json, message attributes. What subscribers receive is read back from real deliveries: moto POSTs
 * each notification to subscribed HTTP endpoints before Publish returns, so a small server in this
 * process is the subscriber. (moto's /moto-api/data.json also holds sent messages, but it dumps
 * every model of every service — megabytes on a shared server — so it is not used here.)
 */
interface Delivery {
  path: string;
  body: {
    Type: string;
    TopicArn: string;
    Subject?: string;
    Message: string;
    MessageId: string;
  };
}

let security: MotoAccount;
let member: MotoAccount;
let clients: ClientFactory;
let config: WardenConfig;
let topicArn: string;
let server: Server;
let baseUrl: string;
const deliveries: Delivery[] = [];

function makeNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    category: 'BLOCKED',
    severity: 'HIGH',
    account: member.id,
    region: HOME_REGION,
    subject: 'Blocked 198.51.100.7 in acl-0123456789abcdef0',
    lines: ['Warden denied 198.51.100.7/32 at rule 90.', 'The block expires in 24 hours.'],
    links: [{ label: 'Execution', url: 'https://console.example.com/execution/1' }],
    ...overrides,
  };
}

function deliveredTo(path: string): Delivery['body'][] {
  return deliveries.filter((d) => d.path === path).map((d) => d.body);
}

async function subscribe(protocol: 'http' | 'https', path: string, filterPolicy?: object): Promise<string> {
  const sns = clients.client(SNSClient, { account: security.id, region: HOME_REGION });
  const out = await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: protocol,
      // moto delivers to the URL as given; an https subscription gets the chat variant of the message.
      Endpoint: `${baseUrl}${path}`,
      Attributes: filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : undefined,
      ReturnSubscriptionArn: true,
    }),
  );
  return out.SubscriptionArn!;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      deliveries.push({ path: req.url ?? '', body: JSON.parse(text) });
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  ({ security, member, clients } = await createWardenOrganization('sns'));
  const base = makeConfig();
  config = {
    ...base,
    organization: { ...base.organization, securityAccountId: security.id, homeRegion: HOME_REGION },
    notifications: { ...base.notifications, disabled: ['FINDING'] },
  };
  const sns = clients.client(SNSClient, { account: security.id, region: HOME_REGION });
  topicArn = (await sns.send(new CreateTopicCommand({ Name: unique('warden-notifications') }))).TopicArn!;
  await subscribe('http', '/email-like');
  await subscribe('https', '/chat', { category: ['BLOCKED'], account: [member.id] });
});

beforeEach(() => {
  deliveries.length = 0;
});

afterAll(async () => {
  clients.destroy();
  server.close();
  await once(server, 'close');
});

describe('publish() on moto', () => {
  it('publishes to the topic in the security account and returns the message id', async () => {
    const result = await publish({ clients, config, topicArn }, makeNotification());

    expect(result).toEqual({ published: true, messageId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(deliveredTo('/email-like').map((m) => m.MessageId)).toEqual([
      (result as { messageId: string }).messageId,
    ]);
  });

  it('gives a plain subscriber the readable default text, with the subject and the links', async () => {
    await publish({ clients, config, topicArn }, makeNotification());

    const [message] = deliveredTo('/email-like');

    expect(message).toMatchObject({
      Type: 'Notification',
      TopicArn: topicArn,
      Subject: 'Blocked 198.51.100.7 in acl-0123456789abcdef0',
      Message: [
        'Warden denied 198.51.100.7/32 at rule 90.',
        'The block expires in 24 hours.',
        'Execution: https://console.example.com/execution/1',
      ].join('\n\n'),
    });
  });

  it('gives an https (chat) subscriber the AWS Chatbot custom notification', async () => {
    await publish({ clients, config, topicArn }, makeNotification());

    const [message] = deliveredTo('/chat');
    const chat = JSON.parse(message!.Message);

    expect(chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: 'Blocked 198.51.100.7 in acl-0123456789abcdef0',
      },
      metadata: { eventType: 'BLOCKED', additionalContext: { severity: 'HIGH' } },
    });
    expect(chat.content.description).toContain('<https://console.example.com/execution/1|Execution>');
  });

  it('sets the message attributes subscribers filter on: category and account', async () => {
    await publish({ clients, config, topicArn }, makeNotification({ category: 'UNBLOCKED' }));
    await publish({ clients, config, topicArn }, makeNotification({ account: '210987654321' }));
    await publish({ clients, config, topicArn }, makeNotification({ subject: 'Blocked again' }));

    const everything = deliveredTo('/email-like');
    const filtered = deliveredTo('/chat');

    expect(everything).toHaveLength(3);
    expect(filtered.map((m) => m.Subject)).toEqual(['Blocked again']);
  });

  it('publishes nothing for a category switched off in config', async () => {
    const result = await publish({ clients, config, topicArn }, makeNotification({ category: 'FINDING' }));

    expect(result).toEqual({ published: false, reason: 'category FINDING is switched off in config' });
    expect(deliveries).toEqual([]);
  });

  it('fits the subject to SNS rules: one printable line of at most 100 characters', async () => {
    await publish(
      { clients, config, topicArn },
      makeNotification({ subject: `Blocked\n198.51.100.7 — ${'x'.repeat(120)}` }),
    );

    const [message] = deliveredTo('/email-like');

    expect(message!.Subject).toHaveLength(100);
    expect(message!.Subject).toMatch(/^Blocked 198\.51\.100\.7 \? x+$/);
  });
});

describe('where moto departs from AWS', () => {
  it('moto differs from AWS: an HTTP subscription is confirmed at once, with no SubscriptionConfirmation request (AWS posts one and delivers nothing until it is confirmed)', async () => {
    const path = '/unconfirmed';

    const subscriptionArn = await subscribe('http', path);
    const attributes = await clients
      .client(SNSClient, { account: security.id, region: HOME_REGION })
      .send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }));
    await publish({ clients, config, topicArn }, makeNotification());

    expect(attributes.Attributes?.PendingConfirmation).toBe('false');
    expect(deliveredTo(path).map((m) => m.Type)).toEqual(['Notification']);
  });
});
