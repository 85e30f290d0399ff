import { randomUUID } from 'node:crypto';
import type {
  CreateTopicInput,
  CreateTopicResponse,
  MessageAttributeValue,
  PublishInput,
  PublishResponse,
} from '@aws-sdk/client-sns';
import type { SandboxClock } from './clock';
import type { CallContext, Operation, SandboxService } from './cloud';
import { checkPolicyDocument, type PolicyDocument } from './policy-document';
import { type QueryError, queryError } from './query-error';
import type { GuardedResource, ResourcePolicyHolder } from './resource-policy';
import { SandboxSetupError } from './setup-error';

/**
 * The SNS part of the sandbox cloud: topics per account and region, and Publish with AWS's
 * validation of subject, size, attributes and JSON message structure. Nothing is delivered;
 * every accepted message lands in `outbox`, where tests and the local runtime read it.
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
}

export class SandboxSns implements SandboxService, ResourcePolicyHolder {
  readonly name = 'sns';
  readonly mutating: ReadonlySet<string> = new Set(['CreateTopic', 'Publish']);
  readonly operations: Readonly<Record<string, Operation>> = {
    CreateTopic: (input: CreateTopicInput, ctx: CallContext) => this.createTopic(input, ctx),
    Publish: (input: PublishInput, ctx: CallContext) => this.publish(input, ctx),
  };

  readonly outbox: PublishedMessage[] = [];
  generation = 0;
  private readonly topics = new Map<string, SandboxTopic>();

  constructor(private readonly clock: SandboxClock) {}

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
    if (!this.topics.has(arn)) {
      this.topics.set(arn, {
        arn,
        account,
        region,
        ...(options.kmsKeyArn ? { kmsKeyArn: options.kmsKeyArn } : {}),
      });
    }
    if (options.policy !== undefined) this.setTopicPolicy(arn, options.policy);
    this.generation += 1;
    return arn;
  }

  /**
   * Sets the topic's access policy (the `Policy` attribute). The default policy lets only the
   * topic owner's account act on it; another account or a service (EventBridge delivering to the
   * topic) needs a statement that names it.
   * https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
   */
  setTopicPolicy(arn: string, policy: unknown): void {
    const topic = this.topics.get(arn);
    if (!topic) throw new SandboxSetupError(`no SNS topic ${arn}`);
    topic.policy = checkPolicyDocument(policy, 'resource', `policy of topic ${arn}`);
    this.generation += 1;
  }

  topic(arn: string): SandboxTopic | undefined {
    return this.topics.get(arn);
  }

  guardedResource(arn: string): GuardedResource | undefined {
    const topic = this.topics.get(arn);
    return (
      topic && {
        account: topic.account,
        arn: topic.arn,
        region: topic.region,
        policy: topic.policy,
        generation: this.generation,
        ...(topic.kmsKeyArn ? { encryptionKeyArn: topic.kmsKeyArn } : {}),
      }
    );
  }

  outboxFor(topicArn: string): PublishedMessage[] {
    return this.outbox.filter((m) => m.topicArn === topicArn);
  }

  clearOutbox(): void {
    this.outbox.length = 0;
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
    if (input.MessageStructure === 'json') checkJsonStructure(message);
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
    if (!this.topics.has(arn)) throw queryError('NotFoundException', 'NotFound', 'Topic does not exist', 404);
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

function checkJsonStructure(message: string): void {
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
