import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { call, retryPage } from '../shared/aws-call';
import { LEDGER_BY_KIND_INDEX, tableClient } from '../shared/tables';
import type { TaskDeps } from '../shared/task';
import { type ActiveBlock, type NaclRef, naclKey } from './ledger';

/**
 * The ledger as the reconciler reads it: a query on the `byKind` index (kind, expiresAt) instead
 * of scanning the table, so a run reads what is active or ended recently and not every block
 * Warden ever made. Each page is retried on its own (a throttled page is not the whole listing).
 */
export interface LedgerActivity {
  /** Every active block (APPLYING or ACTIVE). */
  active: ActiveBlock[];
  /** NACLs with a block that is active or that expired after `since` (dry runs left out). */
  nacls: NaclRef[];
  /** Pages the queries read (for the benchmark and the tests). */
  pages: number;
}

export async function readLedgerActivity(
  deps: Pick<TaskDeps, 'clients' | 'tables' | 'config'>,
  since: string,
): Promise<LedgerActivity> {
  let pages = 0;
  const query = async (
    condition: string,
    values: Record<string, unknown>,
    doing: string,
  ): Promise<Record<string, unknown>[]> => {
    const db = tableClient(deps);
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const from = start;
      const out = await retryPage(() =>
        call(doing, () =>
          db.send(
            new QueryCommand({
              TableName: deps.tables.ledger,
              IndexName: LEDGER_BY_KIND_INDEX,
              KeyConditionExpression: condition,
              ExpressionAttributeValues: values,
              ExclusiveStartKey: from,
            }),
          ),
        ),
      );
      pages += 1;
      items.push(...((out.Items ?? []) as Record<string, unknown>[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  };

  const active = (await query('kind = :kind', { ':kind': 'ACTIVE_BLOCK' }, 'listing the active blocks')).map(
    toBlock,
  );
  const recent = await query(
    'kind = :kind AND expiresAt >= :since',
    { ':kind': 'BLOCK_RECORD', ':since': since },
    'listing the blocks that ended recently',
  );
  const nacls = new Map<string, NaclRef>();
  for (const block of active) nacls.set(naclKey(block), refOf(block));
  for (const record of recent) {
    if (record.dryRun) continue;
    const ref = refOf(record as unknown as NaclRef);
    nacls.set(naclKey(ref), ref);
  }
  return { active, nacls: [...nacls.values()], pages };
}

function refOf(ref: NaclRef): NaclRef {
  return { account: ref.account, region: ref.region, naclId: ref.naclId };
}

function toBlock(item: Record<string, unknown>): ActiveBlock {
  const { pk: _pk, sk: _sk, kind: _kind, ...rest } = item;
  return rest as unknown as ActiveBlock;
}
