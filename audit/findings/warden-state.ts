import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

/** What Warden's own tables say about addresses (from the ledger and the approvals table). */
export interface WardenState {
  activeBlocks: Array<{ cidr: string; naclId: string; account: string; expiresAt: string; dryRun?: boolean }>;
  blockRecords: Array<{
    cidr: string;
    createdAt: string;
    removal?: string;
    removedAt?: string;
    dryRun: boolean;
  }>;
  approvals: Array<{ cidrs: string[]; status: string; expiresAt: string; decidedBy?: string }>;
}

/**
 * What Warden did about addresses, read from its tables: the ledger's active blocks and block
 * records, and the approvals. Only the fields the view shows are read; in particular an
 * approval's task token is never fetched.
 */
export async function readWardenState(
  client: DynamoDBClient,
  tables: { ledger: string; approvals?: string },
): Promise<WardenState> {
  const doc = DynamoDBDocumentClient.from(client);
  const ledger = await scanAll(doc, {
    TableName: tables.ledger,
    FilterExpression: 'kind IN (:active, :record)',
    ExpressionAttributeValues: { ':active': 'ACTIVE_BLOCK', ':record': 'BLOCK_RECORD' },
  });
  const state: WardenState = { activeBlocks: [], blockRecords: [], approvals: [] };
  for (const item of ledger) {
    if (item.kind === 'ACTIVE_BLOCK') {
      state.activeBlocks.push({
        cidr: String(item.cidr),
        naclId: String(item.naclId),
        account: String(item.account),
        expiresAt: String(item.expiresAt),
      });
    } else {
      state.blockRecords.push({
        cidr: String(item.cidr),
        createdAt: String(item.createdAt),
        removal: item.removal === undefined ? undefined : String(item.removal),
        removedAt: item.removedAt === undefined ? undefined : String(item.removedAt),
        dryRun: item.dryRun === true,
      });
    }
  }
  if (tables.approvals) {
    const approvals = await scanAll(doc, {
      TableName: tables.approvals,
      ProjectionExpression: '#status, expiresAt, decidedBy, #request.addresses',
      ExpressionAttributeNames: { '#status': 'status', '#request': 'request' },
    });
    for (const item of approvals) {
      const addresses = (
        (item.request as { addresses?: Array<{ cidr?: unknown }> } | undefined)?.addresses ?? []
      )
        .map((a) => a.cidr)
        .filter((c): c is string => typeof c === 'string');
      state.approvals.push({
        cidrs: addresses,
        status: String(item.status),
        expiresAt: String(item.expiresAt),
        decidedBy: item.decidedBy === undefined ? undefined : String(item.decidedBy),
      });
    }
  }
  return state;
}

async function scanAll(
  doc: DynamoDBDocumentClient,
  input: ConstructorParameters<typeof ScanCommand>[0],
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new ScanCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...((out.Items ?? []) as Record<string, unknown>[]));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}
