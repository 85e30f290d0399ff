import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Finding, GuardDutyClient } from '@aws-sdk/client-guardduty';
import * as z from 'zod';
import { type FindingFilters, readFindingsInRegions } from '../audit/findings/read-findings';
import { readWardenState, type WardenState } from '../audit/findings/warden-state';
import { ACCOUNT_ID, REGION } from '../config/aws-names';
import { SEVERITY_BANDS } from '../config/schema';
import type { LocalWarden } from './local-warden';
import { parseQueryBody, type QueryApiResult } from './query-api';

/**
 * What `warden findings` reads from a running local Warden (`POST /api/findings`): the
 * organisation's GuardDuty findings as the security account's administrator reads them in each
 * region (the same ListFindings/GetFindings reading as in AWS), and Warden's own state from its
 * tables. The sandbox's GuardDuty lives in this process, so the runtime reads it on the CLI's
 * behalf; the view is computed by the CLI, as for AWS.
 */
export const FindingsQuery = z.strictObject({
  since: z.iso.datetime({ offset: true }).optional(),
  minSeverity: z.enum(SEVERITY_BANDS).optional(),
  accounts: z.array(z.string().regex(ACCOUNT_ID)).max(1000).optional(),
  types: z.array(z.string().min(1).max(200)).max(100).optional(),
  includeArchived: z.boolean().optional(),
  /** @default - every region of the config */
  regions: z.array(z.string().regex(REGION)).max(50).optional(),
});
export type FindingsQuery = z.infer<typeof FindingsQuery>;

export interface FindingsAnswer {
  administrator: string;
  regions: string[];
  listCalls: number;
  getCalls: number;
  findings: Finding[];
  state: WardenState;
}

export type FindingsApiResult = QueryApiResult<FindingsAnswer>;

export async function answerFindingsQuery(
  warden: Pick<LocalWarden, 'deps' | 'config'>,
  body: string,
): Promise<FindingsApiResult> {
  const parsed = parseQueryBody(FindingsQuery, body);
  if (!parsed.ok) return { status: parsed.status, message: parsed.message };
  const { query } = parsed;
  const { securityAccountId, homeRegion } = warden.config.organization;
  const regions = query.regions ?? warden.config.organization.regions;
  const filters: FindingFilters = {
    ...(query.since ? { since: new Date(query.since) } : {}),
    ...(query.minSeverity ? { minSeverity: query.minSeverity } : {}),
    ...(query.accounts ? { accounts: query.accounts } : {}),
    ...(query.types ? { types: query.types } : {}),
    includeArchived: query.includeArchived === true,
  };
  const findings: Finding[] = [];
  const { listCalls, getCalls } = await readFindingsInRegions(
    regions,
    (region) => warden.deps.clients.client(GuardDutyClient, { account: securityAccountId, region }),
    filters,
    (page) => {
      findings.push(...page);
    },
  );
  const dynamo = warden.deps.clients.client(DynamoDBClient, {
    account: securityAccountId,
    region: homeRegion,
  });
  const state = await readWardenState(dynamo, warden.deps.tables);
  return {
    status: 200,
    answer: { administrator: securityAccountId, regions, listCalls, getCalls, findings, state },
  };
}
