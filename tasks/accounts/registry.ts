import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { call, chunks, PAGE_ATTEMPTS, retryPage } from '../shared/aws-call';
import { tableClient } from '../shared/tables';
import type { TaskDeps } from '../shared/task';
import { listMemberAccountPages } from '../sweep/list-accounts';

/**
 * The organisation's member accounts as Warden keeps them (the `accounts` table, see tables.ts):
 * written by the Organizations event intake as accounts join, leave or move, read by the sweep
 * and the free-trial watch. Reading 10,000 ids from one partition is a page or two of a Query,
 * where Organizations' ListAccounts returns 20 accounts per call; so no scheduled job pages
 * through Organizations on its critical path. The first job after deployment finds the list
 * empty and reads it once from Organizations.
 */
const MEMBER = 'MEMBER';
const REGISTRY = 'REGISTRY';
/** BatchWriteItem takes at most 25 requests (Amazon DynamoDB API Reference, BatchWriteItem). */
const WRITE_BATCH = 25;
/** ListAccounts pages read per invocation while seeding. */
export const SEED_PAGES = 150;

export interface AccountBatch {
  index: number;
  /** First and last account id of the batch, in account order. */
  first: string;
  last: string;
}

export class AccountRegistry {
  private readonly db: DynamoDBDocumentClient;
  private readonly table: string;

  constructor(private readonly deps: Pick<TaskDeps, 'clients' | 'tables' | 'config' | 'now'>) {
    this.db = tableClient(deps);
    this.table = deps.tables.accounts;
  }

  async put(accountId: string, at: string, source: string): Promise<void> {
    await this.send(
      new PutCommand({ TableName: this.table, Item: { pk: MEMBER, sk: accountId, updatedAt: at, source } }),
      'recording the account',
    );
  }

  async remove(accountId: string): Promise<void> {
    await this.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: MEMBER, sk: accountId } }),
      'forgetting the account',
    );
  }

  async has(accountId: string): Promise<boolean> {
    const out = await this.send<{ Item?: unknown }>(
      new GetCommand({ TableName: this.table, Key: { pk: MEMBER, sk: accountId } }),
      'reading the account',
    );
    return out.Item !== undefined;
  }

  /** Every account id, in order. */
  async ids(): Promise<string[]> {
    return this.query({});
  }

  /** The ids of one batch, in order. */
  async batch(batch: Pick<AccountBatch, 'first' | 'last'>): Promise<string[]> {
    return this.query({ first: batch.first, last: batch.last });
  }

  /**
   * Consecutive batches of at most `size` accounts, as references (first and last id); while the
   * list is still being read from Organizations for the first time, `seeding` instead.
   */
  async batches(size: number): Promise<{ accounts: number; batches: AccountBatch[]; seeding: boolean }> {
    if (!(await this.seed())) return { accounts: 0, batches: [], seeding: true };
    const ids = await this.ids();
    const batches = chunks(ids, size).map((slice, index) => ({
      index,
      first: slice[0]!,
      last: slice[slice.length - 1]!,
    }));
    return { accounts: ids.length, batches, seeding: false };
  }

  /**
   * Reads the list from Organizations into the table the first time it is needed, at most
   * SEED_PAGES ListAccounts pages per call (20 accounts a page, 150 ms each: 10,000 accounts
   * would outlast a 60 s invocation), remembering where it stopped. True once the list is whole.
   */
  async seed(): Promise<boolean> {
    const marker = await this.send<{ Item?: { complete?: boolean; nextToken?: string } }>(
      new GetCommand({ TableName: this.table, Key: { pk: REGISTRY, sk: 'SEEDED' }, ConsistentRead: true }),
      'reading the account list marker',
    );
    if (marker.Item?.complete) return true;
    const at = this.deps.now().toISOString();
    const { ids, nextToken } = await listMemberAccountPages(this.deps as TaskDeps, {
      from: marker.Item?.nextToken,
      pages: SEED_PAGES,
    });
    for (const group of chunks(ids, WRITE_BATCH)) {
      let requests = group.map((id) => ({
        PutRequest: { Item: { pk: MEMBER, sk: id, updatedAt: at, source: 'ListAccounts' } },
      }));
      // Unprocessed items are throttled writes: send them again until none is left.
      while (requests.length) {
        const out = await retryPage(
          () =>
            this.send<{ UnprocessedItems?: Record<string, typeof requests> }>(
              new BatchWriteCommand({ RequestItems: { [this.table]: requests } }),
              'storing the account list',
            ),
          PAGE_ATTEMPTS,
        );
        requests = out.UnprocessedItems?.[this.table] ?? [];
      }
    }
    await this.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: REGISTRY, sk: 'SEEDED', at, complete: !nextToken, ...(nextToken ? { nextToken } : {}) },
      }),
      'marking how much of the account list was read',
    );
    return !nextToken;
  }

  private async query(range: { first?: string; last?: string }): Promise<string[]> {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const from = start;
      const out = await retryPage(
        () =>
          this.send<{ Items?: { sk: string }[]; LastEvaluatedKey?: Record<string, unknown> }>(
            new QueryCommand({
              TableName: this.table,
              KeyConditionExpression:
                range.first !== undefined ? 'pk = :pk AND sk BETWEEN :first AND :last' : 'pk = :pk',
              ExpressionAttributeValues: {
                ':pk': MEMBER,
                ...(range.first !== undefined ? { ':first': range.first, ':last': range.last } : {}),
              },
              ProjectionExpression: 'sk',
              ExclusiveStartKey: from,
            }),
            'reading the account list',
          ),
        PAGE_ATTEMPTS,
      );
      for (const item of out.Items ?? []) ids.push(item.sk);
      start = out.LastEvaluatedKey;
    } while (start);
    return ids;
  }

  private async send<T = Record<string, unknown>>(command: unknown, doing: string): Promise<T> {
    return call(doing, async () => (await this.db.send(command as never)) as T);
  }
}
