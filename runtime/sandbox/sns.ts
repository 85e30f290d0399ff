import { randomUUID } from 'node:crypto';
import type {
  CreateTopicInput,
  CreateTopicResponse,
  MessageAttributeValue,
  PublishInput,
  PublishResponse,
} from '@aws-sdk/client-sns';
import type { SandboxClock } from './clock';
import type { CallContext, Operation } from './cloud';
import type { PolicyDocument } from './policy-document';
import { PolicyGuardedStore } from './policy-guarded-store';
import { type QueryError, queryError } from './query-error';
import type { GuardedResource } from './resource-policy';
import { SandboxSetupError } from './setup-error';

/**
 * The SNS part of the sandbox cloud: topics per account and region, and Publish with AWS's
 * validation of subject, size, attributes and JSON message structure. Nothing leaves the
 * machine: every accepted message lands in `outbox` (as published), and each topic keeps what a
 * subscriber of it would have received (`deliveredTo`), which the local console shows.
 */
export interface PublishedMessage {
  topicArn: string;
  messageId: string;
  /** Absent when the publisher gave none, as subscribers see it. */
  subject?: string;
  /** The Message as published; with `messageStructure: 'json'` it is the JSON of per-protocol texts. */
  message: string;
  messageStructure?: 'json';
  /** Attribute name → value; Binary values are base64, String.Array values the JSON array text. */
  attributes: Record<string, string>;
  at: Date;
}

/**
 * A notification as SNS delivers it to a subscriber, in the JSON document an HTTP/S endpoint
 * receives (https://docs.aws.amazon.com/sns/latest/dg/http-notification-json.html): `Subject`
 * appears only when the publisher gave one; `Message` is the text for the subscriber's protocol,
 * which with `MessageStructure: 'json'` is that protocol's entry, else the `default` entry
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html, MessageStructure). The signing
 * fields (`SignatureVersion`, `Signature`, `SigningCertURL`) and `UnsubscribeURL` are left out:
 * the sandbox holds no SNS signing key and has no subscriptions to end.
 */
export interface SnsNotification {
  Type: 'Notification';
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  /** When it was published, ISO 8601 in UTC. */
  Timestamp: string;
  MessageAttributes: Record<string, { Type: string; Value: string }>;
}

/** The protocols a subscription can have; each picks its entry of a JSON message structure. */
export type SubscriberProtocol = 'email' | 'email-json' | 'http' | 'https' | 'sqs' | 'lambda' | 'firehose';

/** What a topic keeps of one accepted message: the notification before a protocol picks its text. */
interface TopicDelivery {
  notification: Omit<SnsNotification, 'Message'>;
  /** The message as published, or each protocol's text when it came as a JSON message structure. */
  texts: string | Record<string, unknown>;
}

/** SNS's limit for Message plus every attribute's name, type and value. Subject is not counted. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const TOPIC_ARN = /^arn:aws:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const ATTRIBUTE_TYPE = /^(String|Number|Binary)(\..+)?$/;
const MAX_SUBJECT_CHARS = 100;

/** A topic and its access policy. Without one, the topic's default policy lets only the owner's account use it. */
export interface SandboxTopic {
  arn: string;
  account: string;
  region: string;
  policy?: PolicyDocument;
  /** The KMS key of the topic's server-side encryption, if it has one. */
  kmsKeyArn?: string;
  /** Every message accepted for the topic, oldest first. */
  deliveries: TopicDelivery[];
}

export class SandboxSns extends PolicyGuardedStore<SandboxTopic> {
  readonly name = 'sns';
  override readonly mutating: ReadonlySet<string> = new Set(['CreateTopic', 'Publish']);
  override readonly operations: Readonly<Record<string, Operation>> = {
    CreateTopic: (input: CreateTopicInput, ctx: CallContext) => this.createTopic(input, ctx),
    Publish: (input: PublishInput, ctx: CallContext) => this.publish(input, ctx),
  };

  readonly outbox: PublishedMessage[] = [];

  constructor(private readonly clock: SandboxClock) {
    super();
  }

  /**
   * Creates a topic without a call (world setup, `AWS::SNS::Topic`) and returns its ARN; idempotent
   * like CreateTopic. `policy` is the topic's access policy (`AWS::SNS::TopicPolicy`).
   */
  addTopic(
    account: string,
    region: string,
    name: string,
    options: { policy?: unknown; kmsKeyArn?: string } = {},
  ): string {
    if (!TOPIC_NAME.test(name)) throw new SandboxSetupError(`invalid SNS topic name '${name}'`);
    const arn = `arn:aws:sns:${region}:${account}:${name}`;
    const existing = this.resources.get(arn);
    if (!existing) {
      const topic: SandboxTopic = { arn, account, region, deliveries: [] };
      if (options.kmsKeyArn) topic.kmsKeyArn = options.kmsKeyArn;
      this.add(topic, options.policy, `topic ${arn}`);
    } else if (options.policy !== undefined) {
      this.attachPolicy(existing, options.policy, `topic ${arn}`);
    }
    return arn;
  }

  /**
   * Sets the topic's access policy (the `Policy` attribute). The default policy lets only the
   * topic owner's account act on it; another account or a service (EventBridge delivering to the
   * topic) needs a statement that names it.
   * https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
   */
  setTopicPolicy(arn: string, policy: unknown): void {
    const topic = this.resources.get(arn);
    if (!topic) throw new SandboxSetupError(`no SNS topic ${arn}`);
    this.attachPolicy(topic, policy, `topic ${arn}`);
  }

  topic(arn: string): SandboxTopic | undefined {
    return this.resources.get(arn);
  }

  guardedResource(arn: string): GuardedResource | undefined {
    return this.guarded(arn);
  }

  outboxFor(topicArn: string): PublishedMessage[] {
    return this.outbox.filter((m) => m.topicArn === topicArn);
  }

  /**
   * What a subscriber of the topic with `protocol` has received, oldest first: the JSON document
   * of an HTTP/S delivery, with the text SNS picks for that protocol.
   */
  deliveredTo(topicArn: string, protocol: SubscriberProtocol): SnsNotification[] {
    const topic = this.resources.get(topicArn);
    if (!topic) throw new SandboxSetupError(`no SNS topic ${topicArn}`);
    return topic.deliveries.map(({ notification, texts }) => {
      const own = typeof texts === 'string' ? texts : texts[protocol];
      // checkJsonStructure made sure `default` is a string; another entry that is not one is not a text.
      const Message = typeof own === 'string' ? own : (texts as { default: string }).default;
      return { ...notification, Message };
    });
  }

  clearOutbox(): void {
    this.outbox.length = 0;
    for (const topic of this.resources.values()) topic.deliveries.length = 0;
  }

  private createTopic(input: CreateTopicInput, ctx: CallContext): CreateTopicResponse {
    if (input.Attributes?.FifoTopic === 'true') {
      throw invalidParameter('Invalid parameter: the sandbox does not emulate FIFO topics');
    }
    // A `.fifo` name fails here too, as AWS rejects it for a standard topic.
    if (input.Name === undefined || !TOPIC_NAME.test(input.Name)) {
      throw invalidParameter('Invalid parameter: Topic Name');
    }
    return { TopicArn: this.addTopic(ctx.principal.account, ctx.region, input.Name) };
  }

  private publish(input: PublishInput, ctx: CallContext): PublishResponse {
    const topicArn = this.publishTarget(input, ctx);
    const message = input.Message;
    if (message === undefined || message === '') throw invalidParameter('Invalid parameter: Empty message');
    if (input.Subject !== undefined) checkSubject(input.Subject);
    if (input.MessageStructure !== undefined && input.MessageStructure !== 'json') {
      throw invalidParameter('Invalid parameter: MessageStructure');
    }
    const texts = input.MessageStructure === 'json' ? checkJsonStructure(message) : message;
    const attributes = readAttributes(input.MessageAttributes ?? {});
    if (messageBytes(message, input.MessageAttributes ?? {}) > MAX_MESSAGE_BYTES) {
      throw invalidParameter('Invalid parameter: Message too long');
    }

    const messageId = randomUUID();
    const published: PublishedMessage = {
      topicArn,
      messageId,
      message,
      attributes,
      at: new Date(this.clock()),
    };
    if (input.Subject !== undefined) published.subject = input.Subject;
    if (input.MessageStructure === 'json') published.messageStructure = 'json';
    this.outbox.push(published);
    this.resources.get(topicArn)?.deliveries.push({
      notification: {
        Type: 'Notification',
        MessageId: messageId,
        TopicArn: topicArn,
        ...(input.Subject !== undefined ? { Subject: input.Subject } : {}),
        Timestamp: published.at.toISOString(),
        MessageAttributes: notificationAttributes(input.MessageAttributes ?? {}, attributes),
      },
      texts,
    });
    return { MessageId: messageId };
  }

  /** The topic the message goes to, checked the way SNS checks it before it looks at the message. */
  private publishTarget(input: PublishInput, ctx: CallContext): string {
    if (input.PhoneNumber !== undefined) {
      throw invalidParameter('Invalid parameter: the sandbox does not emulate SMS publishing');
    }
    const arn = input.TopicArn ?? input.TargetArn;
    if (arn === undefined) {
      throw invalidParameter(
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      );
    }
    const match = TOPIC_ARN.exec(arn);
    if (!match) throw invalidParameter('Invalid parameter: TopicArn');
    const [, region] = match as unknown as [string, string];
    // The endpoint a client talks to serves its own region only.
    if (region !== ctx.region) throw invalidParameter('Invalid parameter: TopicArn');
    if (!this.resources.has(arn))
      throw queryError('NotFoundException', 'NotFound', 'Topic does not exist', 404);
    // Who may publish (the topic's access policy, the caller's identity policies) was decided by
    // the cloud's IAM enforcement before this runs.
    return arn;
  }
}

function checkSubject(subject: string): void {
  // SNS: non-empty, at most 100 characters, no line breaks or other control characters.
  const invalid = subject.length === 0 || subject.length > MAX_SUBJECT_CHARS || hasControlCharacter(subject);
  if (invalid) throw invalidParameter('Invalid parameter: Subject');
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** The message's entries per protocol, once it is known to be an object with a `default` text. */
function checkJsonStructure(message: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
  }
  if (typeof (body as Record<string, unknown>).default !== 'string') {
    throw invalidParameter('Invalid parameter: Message Structure - No default entry in JSON message body');
  }
  return body as Record<string, unknown>;
}

/** `{ name: { Type, Value } }` as an HTTP/S delivery carries message attributes. */
function notificationAttributes(
  input: Record<string, MessageAttributeValue>,
  values: Record<string, string>,
): Record<string, { Type: string; Value: string }> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, { Type: input[name]!.DataType!, Value: value }]),
  );
}

function readAttributes(attributes: Record<string, MessageAttributeValue>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    checkAttributeName(name);
    const type = attribute.DataType ?? '';
    const kind = ATTRIBUTE_TYPE.exec(type)?.[1];
    if (kind === undefined) {
      throw invalidParameterValue(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if (kind === 'Binary') {
      if (!attribute.BinaryValue || attribute.BinaryValue.length === 0) throw emptyValue(name, type);
      values[name] = Buffer.from(attribute.BinaryValue).toString('base64');
      continue;
    }
    const value = attribute.StringValue;
    if (value === undefined || value === '') throw emptyValue(name, type);
    if (kind === 'Number' && !isSnsNumber(value)) {
      throw invalidParameterValue(`Could not cast message attribute '${name}' value to number.`);
    }
    if (type === 'String.Array' && !isJsonArray(value)) {
      throw invalidParameterValue(
        `The message attribute '${name}' with type 'String.Array' must be a JSON array.`,
      );
    }
    values[name] = value;
  }
  return values;
}

function checkAttributeName(name: string): void {
  const reserved = /^(aws\.|amazon\.)/i.test(name);
  const badDots = name.startsWith('.') || name.endsWith('.') || name.includes('..');
  if (!ATTRIBUTE_NAME.test(name) || reserved || badDots) {
    throw invalidParameterValue(`The message attribute name '${name}' is invalid.`);
  }
}

/** SNS numbers: up to 15 significant digits, within ±10^9, as decimal text. */
function isSnsNumber(value: string): boolean {
  if (!/^-?\d+(\.\d+)?$/.test(value.trim())) return false;
  const number = Number(value);
  return Math.abs(number) <= 1e9 && value.replace(/[^0-9]/g, '').replace(/^0+/, '').length <= 15;
}

function isJsonArray(value: string): boolean {
  try {
    return Array.isArray(JSON.parse(value));
  } catch {
    return false;
  }
}

function messageBytes(message: string, attributes: Record<string, MessageAttributeValue>): number {
  let bytes = Buffer.byteLength(message, 'utf8');
  for (const [name, attribute] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(attribute.DataType ?? '', 'utf8');
    bytes += attribute.BinaryValue?.length ?? Buffer.byteLength(attribute.StringValue ?? '', 'utf8');
  }
  return bytes;
}

function emptyValue(name: string, type: string): QueryError {
  return invalidParameterValue(
    `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
  );
}

function invalidParameter(message: string): QueryError {
  return queryError('InvalidParameterException', 'InvalidParameter', message);
}

function invalidParameterValue(message: string): QueryError {
  return queryError('InvalidParameterValueException', 'ParameterValueInvalid', message);
}
