import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { classifyAwsError } from '../shared/errors';
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

export type BlockState = 'APPLYING' | 'ACTIVE';

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
}

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
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: naclKey(block), sk: `CIDR#${block.cidr}`, kind: 'ACTIVE_BLOCK', ...block },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return undefined;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') {
        const existing = await this.get(block, block.cidr);
        // Deleted between our write and read: the pair is free again, try once more.
        return existing ?? this.claim(block);
      }
      return classifyAwsError(error, 'claiming the ledger row');
    }
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

  /** Moves the claim to another rule number (after a collision in the NACL). */
  async setRuleNumber(block: ActiveBlock, ruleNumber: number): Promise<void> {
    await this.update(block, 'SET ruleNumber = :n', { ':n': ruleNumber });
  }

  async activate(block: ActiveBlock, expiresAt: string): Promise<void> {
    await this.update(
      block,
      'SET #state = :active, expiresAt = :e',
      { ':active': 'ACTIVE', ':e': expiresAt },
      { '#state': 'state' },
    );
  }

  /** Pushes the expiry later (never earlier); returns the expiry now in force. */
  async extend(ref: NaclRef, cidr: string, expiresAt: string): Promise<string | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: naclKey(ref), sk: `CIDR#${cidr}` },
          UpdateExpression: 'SET expiresAt = :e',
          ConditionExpression: 'attribute_exists(pk) AND expiresAt < :e',
          ExpressionAttributeValues: { ':e': expiresAt },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes?.expiresAt as string;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException')
        return (await this.get(ref, cidr))?.expiresAt;
      return classifyAwsError(error, 'extending the block');
    }
  }

  /** Releases the pair if `blockId` still holds it; false when someone else does (or nobody). */
  async release(ref: NaclRef, cidr: string, blockId: string): Promise<boolean> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: naclKey(ref), sk: `CIDR#${cidr}` },
          ConditionExpression: 'blockId = :b',
          ExpressionAttributeValues: { ':b': blockId },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      return classifyAwsError(error, 'releasing the ledger row');
    }
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

  /** Counts one more block of `cidr` and returns how many there have been, this one included. */
  async countOffence(cidr: string): Promise<number> {
    const out = await this.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `OFFENDER#${cidr}`, sk: 'OFFENDER' },
        UpdateExpression: 'ADD offences :one SET kind = :kind',
        ExpressionAttributeValues: { ':one': 1, ':kind': 'OFFENDER' },
        ReturnValues: 'UPDATED_NEW',
      }),
      'counting the offence',
    );
    return Number(out.Attributes?.offences ?? 1);
  }

  private async update(
    block: ActiveBlock,
    expression: string,
    values: Record<string, unknown>,
    names?: Record<string, string>,
  ): Promise<void> {
    await this.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: naclKey(block), sk: `CIDR#${block.cidr}` },
        UpdateExpression: expression,
        ConditionExpression: 'blockId = :b',
        ExpressionAttributeValues: { ...values, ':b': block.blockId },
        ExpressionAttributeNames: names,
      }),
      'updating the ledger row',
    );
  }

  private async send<T>(command: { input: unknown }, doing: string): Promise<T & Record<string, any>> {
    try {
      return (await this.db.send(command as never)) as unknown as T & Record<string, any>;
    } catch (error) {
      return classifyAwsError(error, doing);
    }
  }
}

function toBlock(item: Record<string, unknown>): ActiveBlock {
  const { pk: _pk, sk: _sk, kind: _kind, ...rest } = item;
  return rest as unknown as ActiveBlock;
}
