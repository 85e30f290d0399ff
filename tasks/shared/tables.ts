import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TaskDeps, WardenTables } from './task';

/**
 * The key schema of each DynamoDB table, shared by the CDK app and the local runtime (which
 * creates the same tables on dynalite), so the two cannot disagree.
 *
 * ledger     pk `NACL#<account>#<region>#<naclId>` sk `CIDR#<cidr>`: the active block of an address
 *            in a NACL (one per pair, claimed with a conditional write before the NACL changes);
 *            pk `BLOCK#<blockId>` sk `BLOCK`: the permanent audit record of one block;
 *            pk `OFFENDER#<cidr>` sk `OFFENDER`: how often an address was blocked (TTL growth).
 *            Index `byKind` (kind, expiresAt): the reconciler's view without scanning the table —
 *            every active block, and the audit records of blocks that expire(d) after a moment.
 *            OFFENDER items have no expiresAt, so they stay out of it (a sparse index).
 * approvals  pk `<approvalId>`: a pending or decided approval (holds the task token).
 * findings   pk `<findingId>`: the response to a finding (generation, running execution, extension);
 *            pk `EVIDENCE#<findingId>`: the finding as the intake validated it;
 *            pk `DECISION#<findingId>#<updatedAt>`: the record of a decision the intake made without
 *            starting an execution (a finding policy ignores), kept as long as the archive keeps
 *            execution histories. Index `byDecisionMonth` (decisionMonth, decidedAt): the audit's
 *            view of those records by time; only decision records carry decisionMonth (sparse).
 * accounts   pk `MEMBER` sk `<accountId>`: an active member account of the organisation (one
 *            partition, so a batch of the sweep is one Query in account order);
 *            pk `REGISTRY` sk `SEEDED`: when the list was last read whole from Organizations.
 */
export interface TableSchema {
  partitionKey: string;
  sortKey?: string;
  /** Global secondary indexes (string keys, every attribute projected). */
  indexes?: readonly { name: string; partitionKey: string; sortKey?: string }[];
  /** Attribute DynamoDB's TTL deletes expired items by (epoch seconds). */
  ttlAttribute?: string;
}

export const LEDGER_BY_KIND_INDEX = 'byKind';
export const FINDINGS_BY_DECISION_MONTH_INDEX = 'byDecisionMonth';

export const TABLE_SCHEMAS: Readonly<Record<keyof WardenTables, TableSchema>> = {
  ledger: {
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [{ name: LEDGER_BY_KIND_INDEX, partitionKey: 'kind', sortKey: 'expiresAt' }],
  },
  approvals: { partitionKey: 'pk', ttlAttribute: 'ttl' },
  findings: {
    partitionKey: 'pk',
    ttlAttribute: 'ttl',
    indexes: [
      { name: FINDINGS_BY_DECISION_MONTH_INDEX, partitionKey: 'decisionMonth', sortKey: 'decidedAt' },
    ],
  },
  accounts: { partitionKey: 'pk', sortKey: 'sk' },
};

/** The document client for Warden's tables: the security account's, in the home region. */
export function tableClient(deps: Pick<TaskDeps, 'clients' | 'config'>): DynamoDBDocumentClient {
  const { securityAccountId, homeRegion } = deps.config.organization;
  return DynamoDBDocumentClient.from(
    deps.clients.client(DynamoDBClient, { account: securityAccountId, region: homeRegion }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}
