import { randomBytes } from 'node:crypto';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { tableClient } from '../shared/tables';
import type { TaskDeps } from '../shared/task';
import type { ApprovalRequest } from './contract';
import { AlreadyDecidedError, ApprovalExpiredError, ApprovalNotFoundError } from './errors';

/**
 * The approvals table: one item per approval, keyed by its unguessable id. The item is the only
 * place the task token lives between RequestApproval and the decision, which is why the id must
 * be unguessable and why nothing here logs an item.
 */
export type ApprovalStatus = 'PENDING' | 'APPROVED' | 'REJECTED';
export type Decision = Exclude<ApprovalStatus, 'PENDING'>;

/**
 * Whether the decision reached the workflow. `PENDING` between the decision and the callback,
 * `WORKFLOW_GONE` when Step Functions no longer knew the token (timed out or ended), `FAILED`
 * when the callback failed otherwise and the same decision may be sent again.
 */
export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'WORKFLOW_GONE' | 'FAILED';

export interface ApprovalRecord {
  /** The approval id. */
  pk: string;
  taskToken: string;
  executionArn?: string;
  request: ApprovalRequest;
  status: ApprovalStatus;
  createdAt: string;
  expiresAt: string;
  /** Secret per approval; CSRF tokens are HMACs keyed by it (see csrf.ts). */
  csrfNonce: string;
  /** Epoch seconds at which DynamoDB's TTL may delete the item. */
  ttl: number;
  decidedBy?: string;
  decidedAt?: string;
  reason?: string;
  delivery?: DeliveryStatus;
}

/** What may be shown of a pending approval: never its task token or CSRF nonce. */
const PENDING_FIELDS = ['pk', 'executionArn', 'request', 'status', 'createdAt', 'expiresAt'] as const;
export type PendingApproval = Pick<ApprovalRecord, (typeof PENDING_FIELDS)[number]>;

/** 32 random bytes: 256 bits, far beyond guessing; base64url keeps it URL-safe without escaping. */
const ID_BYTES = 32;
/** The length of a base64url-encoded 32-byte id, without padding. */
export const APPROVAL_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Decided and expired approvals stay readable this long for the page and for audits. */
export const KEEP_AFTER_EXPIRY_DAYS = 30;

export function newApprovalId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

export class ApprovalStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date,
  ) {}

  /** The store as tasks and the page reach it: the security account's table in the home region. */
  static fromDeps(deps: Pick<TaskDeps, 'clients' | 'config' | 'tables' | 'now'>): ApprovalStore {
    return new ApprovalStore(tableClient(deps), deps.tables.approvals, deps.now);
  }

  async create(input: {
    taskToken: string;
    request: ApprovalRequest;
    executionArn?: string;
  }): Promise<ApprovalRecord> {
    const expiresAt = new Date(input.request.expiresAt);
    const record: ApprovalRecord = {
      pk: newApprovalId(),
      taskToken: input.taskToken,
      executionArn: input.executionArn,
      request: input.request,
      status: 'PENDING',
      createdAt: this.now().toISOString(),
      // Normalised, so that the conditional write can compare ISO strings lexically.
      expiresAt: expiresAt.toISOString(),
      csrfNonce: randomBytes(32).toString('base64url'),
      ttl: Math.ceil(expiresAt.getTime() / 1000) + KEEP_AFTER_EXPIRY_DAYS * 86_400,
    };
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: record,
        // A collision of 256-bit ids is not going to happen; if it did, never overwrite a token.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return record;
  }

  async get(approvalId: string): Promise<ApprovalRecord | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: approvalId }, ConsistentRead: true }),
    );
    return out.Item as ApprovalRecord | undefined;
  }

  /**
   * Every approval still waiting for a person (PENDING and not expired), oldest first, for the
   * local console. A Scan is fine at the handful of approvals a day Warden sees; the projection
   * leaves out the task token and the CSRF nonce so that they never reach a page.
   */
  async listPending(): Promise<PendingApproval[]> {
    const items: PendingApproval[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: '#status = :pending AND #expiresAt > :now',
          // Every name aliased: some (status, request) are DynamoDB reserved words.
          ProjectionExpression: PENDING_FIELDS.map((f) => `#${f}`).join(', '),
          ExpressionAttributeNames: Object.fromEntries(PENDING_FIELDS.map((f) => [`#${f}`, f])),
          ExpressionAttributeValues: { ':pending': 'PENDING', ':now': this.now().toISOString() },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...((out.Items ?? []) as PendingApproval[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * Records a decision once: only a PENDING approval that has not expired changes, in one
   * conditional write, so two clicks (or two approvers) can never both decide. The loser gets
   * the reason as a named error.
   */
  async decide(
    approvalId: string,
    decision: { status: Decision; decidedBy: string; reason: string },
  ): Promise<ApprovalRecord> {
    const decidedAt = this.now().toISOString();
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: approvalId },
          UpdateExpression:
            'SET #status = :decision, decidedBy = :by, decidedAt = :at, reason = :reason, delivery = :delivery',
          ConditionExpression: 'attribute_exists(pk) AND #status = :pending AND expiresAt > :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':decision': decision.status,
            ':by': decision.decidedBy,
            ':at': decidedAt,
            ':reason': decision.reason,
            ':delivery': 'PENDING',
            ':pending': 'PENDING',
            ':now': decidedAt,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes as ApprovalRecord;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw await this.whyNotPending(approvalId);
    }
  }

  /**
   * Moves the delivery status on, conditionally, so that only one caller re-sends a decision
   * whose callback failed. Returns false when the status was not `from`.
   */
  async setDelivery(approvalId: string, to: DeliveryStatus, from: DeliveryStatus): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: approvalId },
          UpdateExpression: 'SET delivery = :to',
          ConditionExpression: 'attribute_exists(pk) AND delivery = :from',
          ExpressionAttributeValues: { ':to': to, ':from': from },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Re-reads an approval that a conditional write refused, to say why. */
  private async whyNotPending(approvalId: string): Promise<Error> {
    const current = await this.get(approvalId);
    if (!current) return new ApprovalNotFoundError(`approval ${approvalId} does not exist`);
    if (current.status !== 'PENDING') {
      return new AlreadyDecidedError(
        `approval ${approvalId} was already ${current.status.toLowerCase()} by ${current.decidedBy ?? 'someone'} at ${current.decidedAt ?? 'an unknown time'}`,
        { status: current.status, decidedBy: current.decidedBy, decidedAt: current.decidedAt },
      );
    }
    return new ApprovalExpiredError(
      `approval ${approvalId} expired at ${current.expiresAt}`,
      current.expiresAt,
    );
  }
}

/** By name, as the SDK reports it whichever copy of the client package threw it. */
function isConditionFailure(error: unknown): boolean {
  return (error as Error | undefined)?.name === 'ConditionalCheckFailedException';
}
