import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { call } from '../shared/aws-call';
import { tableClient } from '../shared/tables';
import type { TaskDeps } from '../shared/task';

function evidenceKey(findingId: string): string {
  return `EVIDENCE#${findingId}`;
}

/** A finding's row: which generation of its response runs, and what the intake last saw. */
export interface FindingRow {
  pk: string;
  generation: number;
  executionArn: string;
  lastUpdatedAt: string;
  lastCount: number | null;
  decision: string;
  extendTo?: string;
}

/** The findings table: one row per finding Warden responds to. */
export class FindingsTable {
  private readonly db: DynamoDBDocumentClient;

  constructor(private readonly deps: Pick<TaskDeps, 'clients' | 'config' | 'tables' | 'now'>) {
    this.db = tableClient(deps);
  }

  async get(findingId: string): Promise<FindingRow | undefined> {
    const out = await call('reading the finding row', () =>
      this.db.send(
        new GetCommand({
          TableName: this.deps.tables.findings,
          Key: { pk: findingId },
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item as FindingRow | undefined;
  }

  /** Writes the row of a new generation; false when that generation's row exists already. */
  async put(row: FindingRow): Promise<boolean> {
    const written = await call(
      'writing the finding row',
      () =>
        this.db.send(
          new PutCommand({
            TableName: this.deps.tables.findings,
            Item: { ...row, ttl: this.ttl() },
            ConditionExpression: 'attribute_not_exists(pk) OR generation < :g',
            ExpressionAttributeValues: { ':g': row.generation },
          }),
        ),
      { ConditionalCheckFailedException: () => false as const },
    );
    return written !== false;
  }

  async recordUpdate(
    findingId: string,
    updatedAt: string,
    count: number | null,
    extendTo?: string,
  ): Promise<void> {
    await call('recording the finding update', () =>
      this.db.send(
        new UpdateCommand({
          TableName: this.deps.tables.findings,
          Key: { pk: findingId },
          UpdateExpression: `SET lastUpdatedAt = :u, lastCount = :c${extendTo ? ', extendTo = :e' : ''}`,
          ExpressionAttributeValues: {
            ':u': updatedAt,
            ':c': count,
            ...(extendTo ? { ':e': extendTo } : {}),
          },
        }),
      ),
    );
  }

  /**
   * Keeps the finding as the intake validated it (the latest version by `updatedAt`), under its
   * own key. The tasks that change NACLs re-decide from this copy rather than from their input:
   * only the intake, which EventBridge invokes, writes it.
   */
  async putEvidence(findingId: string, updatedAt: string, event: unknown): Promise<void> {
    const finding = { id: findingId, updatedAt };
    await call(
      'recording the finding',
      () =>
        this.db.send(
          new PutCommand({
            TableName: this.deps.tables.findings,
            Item: {
              pk: evidenceKey(finding.id),
              updatedAt: finding.updatedAt,
              event: JSON.stringify(event),
              ttl: this.ttl(),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR updatedAt <= :u',
            ExpressionAttributeValues: { ':u': finding.updatedAt },
          }),
        ),
      // A newer version of the finding is kept already.
      { ConditionalCheckFailedException: () => undefined },
    );
  }

  /** The finding as the intake recorded it, or undefined when the intake never saw it. */
  async getEvidence(findingId: string): Promise<unknown> {
    const out = await call('reading the recorded finding', () =>
      this.db.send(
        new GetCommand({
          TableName: this.deps.tables.findings,
          Key: { pk: evidenceKey(findingId) },
          ConsistentRead: true,
        }),
      ),
    );
    const text = out.Item?.event;
    return typeof text === 'string' ? JSON.parse(text) : undefined;
  }

  /** Rows outlive the longest block, then DynamoDB's TTL removes them. */
  private ttl(): number {
    return (
      Math.floor(this.deps.now().getTime() / 1000) +
      (this.deps.config.response.maxBlockMinutes + 30 * 24 * 60) * 60
    );
  }
}
