import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { call, type ExpectedErrors } from '../shared/aws-call';
import { tableClient } from '../shared/tables';
import type { TaskDeps } from '../shared/task';

/**
 * The block ledger: every NACL entry Warden creates, in DynamoDB (see tables.ts for the keys).
 *
 * The active block of an address in a NACL is one item, claimed with a conditional write BEFORE
 * the NACL changes. That write is what makes Warden safe under concurrency and faults: two
 * executions can never both own the same (address, NACL) pair, and an entry Warden creates always
 * has a ledger row that names it, so the execution or the reconciler will remove it.
 */
export interface NaclRef {
  account: string;
  region: string;
  naclId: string;
}

/**
 * A ledger row's life. Every transition is a conditional write on the state it was read in, so
 * that of two racing writers exactly one wins and the other learns of it:
 *
 *   (none) --claim--> APPLYING --activate--> ACTIVE --beginLift--> LIFTING --release--> (none)
 *                        |                      \--beginEvict--> EVICTING --release--> (none)
 *                        \--release (refused, nothing created)--> (none)
 *
 * The NACL entry is created only while the row is APPLYING and names the rule number, and is
 * deleted only while the row is LIFTING or EVICTING; so at every moment an entry Warden created
 * has a row naming it, and a crash at any point leaves a state that the next attempt (or the
 * reconciler) finishes. `extend` applies to APPLYING and ACTIVE rows only: a lift that has begun
 * cannot be extended, and a lift cannot begin on a row that was extended past now.
 */
export type BlockState = 'APPLYING' | 'ACTIVE' | 'LIFTING' | 'EVICTING';

export interface ActiveBlock extends NaclRef {
  cidr: string;
  ruleNumber: number;
  blockId: string;
  state: BlockState;
  findingId: string;
  executionArn: string;
  createdAt: string;
  expiresAt: string;
  approvedBy?: string;
  /** On an EVICTING row: the block that evicts it (so a retried eviction finishes this one). */
  evictedBy?: string;
}

/** What `extend` found: the expiry now in force, or why the row cannot be extended. */
export type Extension =
  | { kind: 'EXTENDED'; expiresAt: string }
  | { kind: 'IN_TRANSITION'; state: BlockState }
  | { kind: 'GONE' };

/** What `beginLift` found. */
export type LiftStart =
  | { kind: 'LIFTING'; row: ActiveBlock }
  | { kind: 'KEPT'; row: ActiveBlock }
  | { kind: 'GONE' };

export type BlockOutcome =
  | 'BLOCKED'
  | 'EXPIRED_REMOVED'
  | 'REMOVED_BY_HAND'
  | 'EVICTED'
  | 'RECONCILED'
  | 'NOT_WARDENS_ENTRY'
  | 'DRY_RUN';

/** The permanent audit record of one block (kept after the entry is gone). */
export interface BlockRecord extends NaclRef {
  blockId: string;
  cidr: string;
  ruleNumber: number;
  findingId: string;
  executionArn: string;
  approvedBy?: string;
  createdAt: string;
  expiresAt: string;
  dryRun: boolean;
  removedAt?: string;
  removal?: BlockOutcome;
}

export function naclKey(ref: NaclRef): string {
  return `NACL#${ref.account}#${ref.region}#${ref.naclId}`;
}

export function parseNaclKey(pk: string): NaclRef {
  const [, account, region, naclId] = pk.split('#');
  return { account: account!, region: region!, naclId: naclId! };
}

export class Ledger {
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(deps: Pick<TaskDeps, 'clients' | 'tables' | 'config'>) {
    this.db = tableClient(deps);
    this.table = deps.tables.ledger;
  }

  /** Claims the pair for `block`; returns the block that already holds it, if any. */
  async claim(block: ActiveBlock): Promise<ActiveBlock | undefined> {
    const claimed = await this.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: naclKey(block), sk: `CIDR#${block.cidr}`, kind: 'ACTIVE_BLOCK', ...block },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
      'claiming the ledger row',
      { ConditionalCheckFailedException: () => false as const },
    );
    if (claimed !== false) return undefined;
    const existing = await this.get(block, block.cidr);
    // Deleted between our write and read: the pair is free again, try once more.
    return existing ?? this.claim(block);
  }

  async get(ref: NaclRef, cidr: string): Promise<ActiveBlock | undefined> {
    const out = await this.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: naclKey(ref), sk: `CIDR#${cidr}` },
        ConsistentRead: true,
      }),
      'reading the ledger',
    );
    return out.Item ? toBlock(out.Item) : undefined;
  }

  /** Every active block in one NACL (for allocation and eviction). */
  async inNacl(ref: NaclRef): Promise<ActiveBlock[]> {
    const out = await this.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :cidr)',
        ExpressionAttributeValues: { ':pk': naclKey(ref), ':cidr': 'CIDR#' },
        ConsistentRead: true,
      }),
      'listing the ledger',
    );
    return (out.Items ?? []).map(toBlock);
  }

  /** Every active block Warden knows of (the reconciler's view). */
  async allActive(): Promise<ActiveBlock[]> {
    return (await this.scanKind('ACTIVE_BLOCK')).map(toBlock);
  }

  /** Moves the claim to another rule number (only before its entry exists: APPLYING). */
  async setRuleNumber(block: ActiveBlock, ruleNumber: number): Promise<void> {
    await this.update(
      block,
      'SET ruleNumber = :n',
      '#state = :applying',
      { ':n': ruleNumber, ':applying': 'APPLYING' },
      { '#state': 'state' },
    );
  }

  /**
   * APPLYING → ACTIVE once the entry exists, and the expiry raised to `expiresAt` (never
   * lowered: another execution may have extended the claim meanwhile). Repeatable.
   */
  async activate(block: ActiveBlock, expiresAt: string): Promise<void> {
    await this.update(
      block,
      'SET #state = :active',
      '#state IN (:applying, :active)',
      { ':active': 'ACTIVE', ':applying': 'APPLYING' },
      { '#state': 'state' },
    );
    await this.extend(block, block.cidr, expiresAt);
  }

  /** Pushes the expiry of an APPLYING or ACTIVE row later (never earlier). */
  async extend(ref: NaclRef, cidr: string, expiresAt: string): Promise<Extension> {
    const out = await this.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: naclKey(ref), sk: `CIDR#${cidr}` },
        UpdateExpression: 'SET expiresAt = :e',
        ConditionExpression: 'attribute_exists(pk) AND #state IN (:applying, :active) AND expiresAt < :e',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':e': expiresAt, ':applying': 'APPLYING', ':active': 'ACTIVE' },
        ReturnValues: 'ALL_NEW',
      }),
      'extending the block',
      { ConditionalCheckFailedException: () => undefined },
    );
    if (out) return { kind: 'EXTENDED', expiresAt: out.Attributes?.expiresAt as string };
    const row = await this.get(ref, cidr);
    if (!row) return { kind: 'GONE' };
    if (row.state === 'LIFTING' || row.state === 'EVICTING')
      return { kind: 'IN_TRANSITION', state: row.state };
    return { kind: 'EXTENDED', expiresAt: row.expiresAt };
  }

  /**
   * ACTIVE → LIFTING, only if the row is still `block`'s and has expired by `now`. A row extended
   * meanwhile is KEPT (with its new expiry); a row already LIFTING for `block` (a retry) lifts on.
   */
  async beginLift(
    block: Pick<ActiveBlock, 'account' | 'region' | 'naclId' | 'cidr' | 'blockId'>,
    now: string,
  ): Promise<LiftStart> {
    const out = await this.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: naclKey(block), sk: `CIDR#${block.cidr}` },
        UpdateExpression: 'SET #state = :lifting',
        ConditionExpression: 'blockId = :b AND #state IN (:active, :lifting) AND expiresAt <= :now',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':b': block.blockId,
          ':active': 'ACTIVE',
          ':lifting': 'LIFTING',
          ':now': now,
        },
        ReturnValues: 'ALL_NEW',
      }),
      'starting to lift the block',
      { ConditionalCheckFailedException: () => undefined },
    );
    if (out) return { kind: 'LIFTING', row: toBlock(out.Attributes ?? {}) };
    const row = await this.get(block, block.cidr);
    if (!row || row.blockId !== block.blockId) return { kind: 'GONE' };
    return { kind: 'KEPT', row };
  }

  /**
   * ACTIVE → EVICTING for `victim`, recording who evicts it; true when this call (or an earlier
   * attempt of the same evictor) holds the eviction.
   */
  async beginEvict(victim: ActiveBlock, evictedBy: string): Promise<boolean> {
    const held = await this.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: naclKey(victim), sk: `CIDR#${victim.cidr}` },
        UpdateExpression: 'SET #state = :evicting, evictedBy = :by',
        ConditionExpression:
          'blockId = :b AND (#state = :active OR (#state = :evicting AND evictedBy = :by))',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':b': victim.blockId,
          ':active': 'ACTIVE',
          ':evicting': 'EVICTING',
          ':by': evictedBy,
        },
      }),
      'starting to evict the block',
      { ConditionalCheckFailedException: () => false as const },
    );
    return held !== false;
  }

  /**
   * Releases the pair if `blockId` still holds it (and, when given, the row is in one of
   * `states`); false when someone else does, or nobody. Repeatable: a second release is false.
   */
  async release(
    ref: NaclRef,
    cidr: string,
    blockId: string,
    states?: readonly BlockState[],
  ): Promise<boolean> {
    const stateValues = Object.fromEntries((states ?? []).map((state, i) => [`:s${i}`, state]));
    const released = await this.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { pk: naclKey(ref), sk: `CIDR#${cidr}` },
        ConditionExpression: states?.length
          ? `blockId = :b AND #state IN (${Object.keys(stateValues).join(', ')})`
          : 'blockId = :b',
        ...(states?.length ? { ExpressionAttributeNames: { '#state': 'state' } } : {}),
        ExpressionAttributeValues: { ':b': blockId, ...stateValues },
      }),
      'releasing the ledger row',
      { ConditionalCheckFailedException: () => false as const },
    );
    return released !== false;
  }

  async putRecord(record: BlockRecord): Promise<void> {
    await this.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `BLOCK#${record.blockId}`, sk: 'BLOCK', kind: 'BLOCK_RECORD', ...record },
      }),
      'writing the block record',
    );
  }

  async closeRecord(blockId: string, removal: BlockOutcome, removedAt: string): Promise<void> {
    await this.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `BLOCK#${blockId}`, sk: 'BLOCK' },
        UpdateExpression: 'SET removal = :r, removedAt = :t',
        ExpressionAttributeValues: { ':r': removal, ':t': removedAt },
      }),
      'closing the block record',
    );
  }

  /** Every block Warden ever made or decided in dry run, with how it ended. */
  async records(): Promise<BlockRecord[]> {
    return (await this.scanKind('BLOCK_RECORD')) as unknown as BlockRecord[];
  }

  /** All items of one kind, every page; the ledger is scanned only by the reconciler and reports. */
  private async scanKind(kind: 'ACTIVE_BLOCK' | 'BLOCK_RECORD'): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'kind = :kind',
          ExpressionAttributeValues: { ':kind': kind },
          ExclusiveStartKey: start,
        }),
        `scanning the ledger for ${kind}`,
      );
      items.push(...((out.Items ?? []) as Record<string, unknown>[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * Counts the offence of `cidr` in response `responseId` once, however often it is asked (a
   * retried block, a lost reply), and returns how many responses have blocked it, this one included.
   */
  async countOffence(cidr: string, responseId: string): Promise<number> {
    const key = { pk: `OFFENDER#${cidr}`, sk: 'OFFENDER' };
    const counted = await this.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key,
        UpdateExpression: 'ADD offences :one, responses :response SET kind = :kind',
        ConditionExpression: 'attribute_not_exists(responses) OR NOT contains(responses, :id)',
        ExpressionAttributeValues: {
          ':one': 1,
          ':kind': 'OFFENDER',
          ':id': responseId,
          ':response': new Set([responseId]),
        },
        ReturnValues: 'UPDATED_NEW',
      }),
      'counting the offence',
      { ConditionalCheckFailedException: () => undefined },
    );
    if (counted) return Number(counted.Attributes?.offences ?? 1);
    // Already counted for this response (a retry): read the count it left.
    const out = await this.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
      'reading the offence count',
    );
    return Number(out.Item?.offences ?? 1);
  }

  private async update(
    block: ActiveBlock,
    expression: string,
    condition: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<void> {
    await this.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: naclKey(block), sk: `CIDR#${block.cidr}` },
        UpdateExpression: expression,
        ConditionExpression: `blockId = :b AND ${condition}`,
        ExpressionAttributeValues: { ...values, ':b': block.blockId },
        ExpressionAttributeNames: names,
      }),
      'updating the ledger row',
    );
  }

  private async send<T, R = never>(
    command: { input: unknown },
    doing: string,
    expected?: ExpectedErrors<R>,
  ): Promise<(T & Record<string, any>) | R> {
    return call(
      doing,
      async () => (await this.db.send(command as never)) as unknown as T & Record<string, any>,
      expected,
    );
  }
}

function toBlock(item: Record<string, unknown>): ActiveBlock {
  const { pk: _pk, sk: _sk, kind: _kind, ...rest } = item;
  return rest as unknown as ActiveBlock;
}
