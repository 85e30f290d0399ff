import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { call } from '../shared/aws-call';
import { cacheSlot } from '../shared/runtime-caches';
import { tableClient } from '../shared/tables';
import type { TaskDeps } from '../shared/task';
import { type DecisionRecord, decisionMonthOf } from './decision-record';

function evidenceKey(findingId: string): string {
  return `EVIDENCE#${findingId}`;
}

function decisionKey(findingId: string, updatedAt: string): string {
  return `DECISION#${findingId}#${updatedAt}`;
}

/**
 * The item that lists the months holding decision records (a string set), so the audit queries
 * the index for those months only rather than for every month the retention could cover.
 */
export const DECISION_MONTHS_KEY = 'DECISION_MONTHS';

/** The months this container has already listed in DECISION_MONTHS: one write per month each. */
const registeredMonths = cacheSlot('decision months listed', () => new Set<string>());

/**
 * A finding's row: which generation of its response runs, and what the intake last saw. A
 * finding only ever ignored has generation 0 and no execution; an ignored update of a finding
 * whose response has ended keeps that response's generation and execution.
 */
export interface FindingRow {
  pk: string;
  generation: number;
  executionArn?: string;
  lastUpdatedAt: string;
  lastCount: number | null;
  decision: string;
  extendTo?: string;
}

/** The findings table: one row per finding Warden responds to. */
export class FindingsTable {
  private readonly db: DynamoDBDocumentClient;

  constructor(private readonly deps: Pick<TaskDeps, 'clients' | 'config' | 'tables' | 'now' | 'caches'>) {
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
    return this.putIf(
      'writing the finding row',
      { ...row, ttl: this.ttl() },
      {
        ConditionExpression: 'attribute_not_exists(pk) OR generation < :g',
        ExpressionAttributeValues: { ':g': row.generation },
      },
    );
  }

  /**
   * Writes the row of a finding the intake ignored, unless the row changed since it was read
   * (`generation` is what the read found, undefined when there was no row): a response another
   * delivery started meanwhile keeps its row. False when it did.
   */
  async putIgnored(row: FindingRow, readGeneration: number | undefined): Promise<boolean> {
    return this.putIf(
      'writing the finding row',
      { ...row, ttl: this.ttl() },
      readGeneration === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'generation = :g', ExpressionAttributeValues: { ':g': readGeneration } },
    );
  }

  /**
   * Keeps the record of a decision that started no execution, once per finding version; false
   * when that version's record exists already (a repeated delivery). DynamoDB's TTL removes it
   * at `keptUntil`.
   */
  async putDecision(record: DecisionRecord): Promise<boolean> {
    const month = decisionMonthOf(record.decidedAt);
    const listed = this.deps.caches.get(registeredMonths);
    if (!listed.has(month)) {
      // Before the record, so a record the index holds is always in a listed month.
      await call('listing the decision month', () =>
        this.db.send(
          new UpdateCommand({
            TableName: this.deps.tables.findings,
            Key: { pk: DECISION_MONTHS_KEY },
            UpdateExpression: 'ADD months :m',
            ExpressionAttributeValues: { ':m': new Set([month]) },
          }),
        ),
      );
      listed.add(month);
    }
    return this.putIf(
      'recording the decision',
      {
        pk: decisionKey(record.finding.id, record.finding.updatedAt),
        decisionMonth: month,
        decidedAt: record.decidedAt,
        record: JSON.stringify(record),
        ttl: Math.floor(Date.parse(record.keptUntil) / 1000),
      },
      { ConditionExpression: 'attribute_not_exists(pk)' },
    );
  }

  /** One conditional write of an item: false when its condition does not hold. */
  private async putIf(
    what: string,
    item: Record<string, unknown>,
    condition: { ConditionExpression: string; ExpressionAttributeValues?: Record<string, unknown> },
  ): Promise<boolean> {
    const written = await call(
      what,
      () => this.db.send(new PutCommand({ TableName: this.deps.tables.findings, Item: item, ...condition })),
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
