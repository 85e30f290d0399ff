import { CreateTopicCommand, PublishCommand, type PublishInput, SNSClient } from '@aws-sdk/client-sns';
import { MAX_MESSAGE_BYTES } from '../../../runtime/sandbox/sns';
import {
  clientAs,
  failureOf,
  HOME_REGION,
  MEMBER_A,
  makeClock,
  makeWorld,
  type SandboxWorld,
  SECURITY,
  START,
} from './fixtures';

const TOPIC_ARN = `arn:aws:sns:${HOME_REGION}:${SECURITY}:warden-notifications`;

/** A world whose security account has Warden's topic, and an SNS client signed by that account. */
async function makeSnsWorld(): Promise<{
  world: SandboxWorld;
  sns: SNSClient;
  advance: (ms: number) => void;
}> {
  const { clock, advance } = makeClock();
  const world = await makeWorld({ clock });
  world.services.sns.addTopic(SECURITY, HOME_REGION, 'warden-notifications');
  return { world, sns: clientAs(world.cloud, SNSClient, SECURITY), advance };
}

/** A message with a text for e-mail and the default for every other protocol. */
const STRUCTURED_MESSAGE = JSON.stringify({
  default: 'Blocked 203.0.113.7',
  email: 'Blocked 203.0.113.7 — details',
});

function makePublish(overrides: Partial<PublishInput> = {}): PublishCommand {
  return new PublishCommand({
    TopicArn: TOPIC_ARN,
    Subject: 'Warden: block applied',
    Message: 'Blocked 203.0.113.7 in acl-0123 (333333333333, eu-west-1).',
    MessageAttributes: {
      category: { DataType: 'String', StringValue: 'BLOCKED' },
      severity: { DataType: 'Number', StringValue: '8.2' },
    },
    ...overrides,
  });
}

function expectInvalidParameter(error: Error & Record<string, unknown>, message: string): void {
  expect(error.name).toBe('InvalidParameterException');
  expect(error.Code).toBe('InvalidParameter');
  expect(error.message).toBe(message);
}

describe('createTopic', () => {
  it("creates the topic in the caller's account and region", async () => {
    const world = await makeWorld();
    const sns = clientAs(world.cloud, SNSClient, SECURITY, 'us-east-1');

    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'alerts' }));

    expect(TopicArn).toBe(`arn:aws:sns:us-east-1:${SECURITY}:alerts`);
  });

  it('returns the same ARN when the topic already exists', async () => {
    const { sns } = await makeSnsWorld();

    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'warden-notifications' }));

    expect(TopicArn).toBe(TOPIC_ARN);
  });

  it.each([
    ['holds a space', 'has space'],
    ['is 257 characters long', 'x'.repeat(257)],
    ['ends in .fifo (a standard topic)', 'alerts.fifo'],
  ])('fails with InvalidParameter when the name %s', async (_case, name) => {
    const { sns } = await makeSnsWorld();

    const error = await failureOf(sns.send(new CreateTopicCommand({ Name: name })));

    expectInvalidParameter(error, 'Invalid parameter: Topic Name');
  });
});

describe('publish', () => {
  it('puts the message with its subject and attributes in the outbox', async () => {
    const { world, sns, advance } = await makeSnsWorld();
    advance(5_000);

    const { MessageId } = await sns.send(makePublish());

    expect(world.services.sns.outbox).toEqual([
      {
        topicArn: TOPIC_ARN,
        messageId: MessageId,
        subject: 'Warden: block applied',
        message: 'Blocked 203.0.113.7 in acl-0123 (333333333333, eu-west-1).',
        attributes: { category: 'BLOCKED', severity: '8.2' },
        at: new Date(START + 5_000),
      },
    ]);
  });

  it('keeps messages per topic and clears them on request', async () => {
    const { world, sns } = await makeSnsWorld();
    const other = world.services.sns.addTopic(SECURITY, HOME_REGION, 'other');
    await sns.send(makePublish());
    await sns.send(makePublish({ TopicArn: other, Subject: undefined }));

    const forOther = world.services.sns.outboxFor(other);
    world.services.sns.clearOutbox();

    expect(forOther).toHaveLength(1);
    expect(forOther[0]).not.toHaveProperty('subject');
    expect(world.services.sns.outbox).toHaveLength(0);
  });

  it('keeps per topic what a subscriber receives, in the HTTP/S notification JSON', async () => {
    const { world, sns, advance } = await makeSnsWorld();
    const other = world.services.sns.addTopic(SECURITY, HOME_REGION, 'other');
    advance(5_000);
    const { MessageId } = await sns.send(makePublish());
    await sns.send(makePublish({ TopicArn: other, Subject: undefined }));

    const delivered = world.services.sns.deliveredTo(TOPIC_ARN, 'email');

    expect(delivered).toEqual([
      {
        Type: 'Notification',
        MessageId,
        TopicArn: TOPIC_ARN,
        Subject: 'Warden: block applied',
        Message: 'Blocked 203.0.113.7 in acl-0123 (333333333333, eu-west-1).',
        Timestamp: new Date(START + 5_000).toISOString(),
        MessageAttributes: {
          category: { Type: 'String', Value: 'BLOCKED' },
          severity: { Type: 'Number', Value: '8.2' },
        },
      },
    ]);
    expect(world.services.sns.deliveredTo(other, 'email')[0]).not.toHaveProperty('Subject');
  });

  it('delivers each protocol its own entry of a JSON message structure, else the default', async () => {
    const { world, sns } = await makeSnsWorld();
    await sns.send(makePublish({ MessageStructure: 'json', Message: STRUCTURED_MESSAGE }));

    const texts = (['email', 'https', 'sqs'] as const).map(
      (protocol) => world.services.sns.deliveredTo(TOPIC_ARN, protocol)[0]!.Message,
    );

    expect(texts).toEqual(['Blocked 203.0.113.7 — details', 'Blocked 203.0.113.7', 'Blocked 203.0.113.7']);
  });

  it('delivers nothing for a message it refuses, and forgets deliveries when the outbox is cleared', async () => {
    const { world, sns } = await makeSnsWorld();
    await failureOf(sns.send(makePublish({ Subject: 'two\nlines' })));
    const refused = world.services.sns.deliveredTo(TOPIC_ARN, 'email').length;
    await sns.send(makePublish());
    world.services.sns.clearOutbox();

    expect(refused).toBe(0);
    expect(world.services.sns.deliveredTo(TOPIC_ARN, 'email')).toEqual([]);
  });

  it('accepts a JSON message structure with a default entry', async () => {
    const { world, sns } = await makeSnsWorld();

    await sns.send(makePublish({ MessageStructure: 'json', Message: STRUCTURED_MESSAGE }));

    expect(world.services.sns.outbox[0]).toMatchObject({
      message: STRUCTURED_MESSAGE,
      messageStructure: 'json',
    });
  });

  it('fails with InvalidParameter when a JSON message structure has no default entry', async () => {
    const { sns } = await makeSnsWorld();

    const error = await failureOf(
      sns.send(makePublish({ MessageStructure: 'json', Message: '{"email":"x"}' })),
    );

    expectInvalidParameter(
      error,
      'Invalid parameter: Message Structure - No default entry in JSON message body',
    );
  });

  it('fails with InvalidParameter when a JSON message structure is not JSON', async () => {
    const { sns } = await makeSnsWorld();

    const error = await failureOf(sns.send(makePublish({ MessageStructure: 'json', Message: 'plain text' })));

    expectInvalidParameter(error, 'Invalid parameter: Message Structure - JSON message body failed to parse');
  });

  it('fails with NotFound for a topic that does not exist', async () => {
    const { world, sns } = await makeSnsWorld();

    const error = await failureOf(sns.send(makePublish({ TopicArn: `${TOPIC_ARN}-missing` })));

    expect(error.name).toBe('NotFoundException');
    expect(error.Code).toBe('NotFound');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(404);
    expect(world.services.sns.outbox).toHaveLength(0);
  });

  it('fails with InvalidParameter for a topic in another region than the client', async () => {
    const { world } = await makeSnsWorld();
    const sns = clientAs(world.cloud, SNSClient, SECURITY, 'us-east-1');

    const error = await failureOf(sns.send(makePublish()));

    expectInvalidParameter(error, 'Invalid parameter: TopicArn');
  });

  it("fails with AuthorizationError when another account publishes to the security account's topic", async () => {
    const { world } = await makeSnsWorld();
    const sns = clientAs(world.cloud, SNSClient, MEMBER_A);

    const error = await failureOf(sns.send(makePublish()));

    expect(error.name).toBe('AuthorizationErrorException');
    expect(error.Code).toBe('AuthorizationError');
  });

  it.each([
    ['is longer than 100 characters', 'x'.repeat(101)],
    ['holds a line break', 'Warden:\nblocked'],
    ['is empty', ''],
  ])('fails with InvalidParameter when the subject %s', async (_case, subject) => {
    const { sns } = await makeSnsWorld();

    const error = await failureOf(sns.send(makePublish({ Subject: subject })));

    expectInvalidParameter(error, 'Invalid parameter: Subject');
  });

  it('accepts a subject of exactly 100 characters', async () => {
    const { world, sns } = await makeSnsWorld();

    await sns.send(makePublish({ Subject: 's'.repeat(100) }));

    expect(world.services.sns.outbox).toHaveLength(1);
  });

  it('accepts a message of exactly 256 KiB', async () => {
    const { world, sns } = await makeSnsWorld();

    await sns.send(makePublish({ Message: 'm'.repeat(MAX_MESSAGE_BYTES), MessageAttributes: undefined }));

    expect(world.services.sns.outbox).toHaveLength(1);
  });

  it('fails with InvalidParameter when message and attributes together exceed 256 KiB', async () => {
    const { sns } = await makeSnsWorld();
    const attributes = { note: { DataType: 'String', StringValue: 'n' } };

    const error = await failureOf(
      sns.send(makePublish({ Message: 'm'.repeat(MAX_MESSAGE_BYTES - 5), MessageAttributes: attributes })),
    );

    expectInvalidParameter(error, 'Invalid parameter: Message too long');
  });

  it('fails with InvalidParameter for an empty message', async () => {
    const { sns } = await makeSnsWorld();

    const error = await failureOf(sns.send(makePublish({ Message: '' })));

    expectInvalidParameter(error, 'Invalid parameter: Empty message');
  });

  it.each([
    ['a Number attribute that is not a number', { DataType: 'Number', StringValue: 'high' }],
    ['an attribute of an unknown type', { DataType: 'Date', StringValue: '2026-03-01' }],
    ['an attribute without a value', { DataType: 'String', StringValue: '' }],
  ])('fails with ParameterValueInvalid for %s', async (_case, attribute) => {
    const { sns } = await makeSnsWorld();

    const error = await failureOf(sns.send(makePublish({ MessageAttributes: { category: attribute } })));

    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.Code).toBe('ParameterValueInvalid');
  });

  it('counts publishes as mutating calls of the security account', async () => {
    const { world, sns } = await makeSnsWorld();

    await sns.send(makePublish());
    await sns.send(makePublish());

    expect(
      world.cloud.count({ service: 'sns', operation: 'Publish', mutating: true, account: SECURITY }),
    ).toBe(2);
  });
});

describe('sns faults', () => {
  it('fails with Throttling when SNS is throttled, leaving the outbox empty', async () => {
    const { world, sns } = await makeSnsWorld();
    world.cloud.faults.throttle({ service: 'sns', operation: 'Publish', rate: 1 });

    const error = await failureOf(sns.send(makePublish()));

    expect(error.name).toBe('Throttling');
    expect(world.services.sns.outbox).toHaveLength(0);
  });

  it('fails the second publish with an injected server error', async () => {
    const { world, sns } = await makeSnsWorld();
    world.cloud.faults.failOnCall({
      service: 'sns',
      operation: 'Publish',
      onCall: 2,
      code: 'InternalError',
      httpStatusCode: 500,
    });

    await sns.send(makePublish());
    const error = await failureOf(sns.send(makePublish()));
    await sns.send(makePublish());

    expect(error.name).toBe('InternalError');
    expect(world.services.sns.outbox).toHaveLength(2);
  });
});
