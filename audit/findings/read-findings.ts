import {
  type Condition,
  type Finding,
  GetFindingsCommand,
  type GuardDutyClient,
  ListDetectorsCommand,
  ListFindingsCommand,
} from '@aws-sdk/client-guardduty';
import type { SeverityBand } from '../../tasks/response/policy';

/**
 * Reads the organisation's findings from the GuardDuty administrator in one region: the
 * administrator's detector sees its members' findings too. `ListFindings` pages through ids
 * (50 at most per page, GuardDuty's maximum), and each page's ids are fetched with one
 * `GetFindings` (which also takes at most 50).
 */
export interface FindingFilters {
  /** Findings updated at or after this time. */
  since?: Date;
  /** Findings of this band or above. */
  minSeverity?: SeverityBand;
  accounts?: string[];
  /** Exact types go to GuardDuty; globs (`Recon:EC2/*`) are matched here. */
  types?: string[];
  includeArchived?: boolean;
}

export const PAGE_SIZE = 50;

const BAND_FLOOR: Record<SeverityBand, number> = { LOW: 0, MEDIUM: 4, HIGH: 7, CRITICAL: 9 };

export class NoDetectorError extends Error {
  override readonly name = 'NoDetectorError';
}

/** GuardDuty's filter criteria for the filters it can apply itself. */
export function findingCriteria(filters: FindingFilters): Record<string, Condition> {
  const criteria: Record<string, Condition> = {};
  if (!filters.includeArchived) criteria['service.archived'] = { Equals: ['false'] };
  if (filters.since) criteria.updatedAt = { GreaterThanOrEqual: filters.since.getTime() };
  if (filters.minSeverity && filters.minSeverity !== 'LOW') {
    criteria.severity = { GreaterThanOrEqual: BAND_FLOOR[filters.minSeverity] };
  }
  if (filters.accounts?.length) criteria.accountId = { Equals: filters.accounts };
  const exact = filters.types?.filter((t) => !t.includes('*')) ?? [];
  // A glob among the types means all types must be fetched and matched here.
  if (exact.length && exact.length === filters.types?.length) criteria.type = { Equals: exact };
  return criteria;
}

/** Calls `onPage` with each page of findings (at most 50); returns how many calls it made. */
export async function readOrganizationFindings(
  client: GuardDutyClient,
  filters: FindingFilters,
  onPage: (findings: Finding[]) => void | Promise<void>,
): Promise<{ listCalls: number; getCalls: number; detectorId: string }> {
  const detectors = await client.send(new ListDetectorsCommand({}));
  const detectorId = detectors.DetectorIds?.[0];
  if (!detectorId) throw new NoDetectorError('no GuardDuty detector in this account and region');
  const criteria = findingCriteria(filters);
  let listCalls = 0;
  let getCalls = 0;
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListFindingsCommand({
        DetectorId: detectorId,
        FindingCriteria: { Criterion: criteria },
        SortCriteria: { AttributeName: 'updatedAt', OrderBy: 'DESC' },
        MaxResults: PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
    listCalls += 1;
    const ids = page.FindingIds ?? [];
    if (ids.length) {
      const found = await client.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: ids }));
      getCalls += 1;
      await onPage(found.Findings ?? []);
    }
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return { listCalls, getCalls, detectorId };
}

/**
 * The organisation's findings in each of `regions`, one region after another, with the calls it
 * took. `clientFor` gives the administrator's client in a region; `release` (if given) is called
 * when a region is done, so a caller that makes a client per region can destroy it.
 */
export async function readFindingsInRegions(
  regions: readonly string[],
  clientFor: (region: string) => GuardDutyClient,
  filters: FindingFilters,
  onPage: (findings: Finding[]) => void | Promise<void>,
  options: {
    release?: (client: GuardDutyClient) => void;
    onError?: (region: string, error: unknown) => never;
  } = {},
): Promise<{ listCalls: number; getCalls: number }> {
  let listCalls = 0;
  let getCalls = 0;
  for (const region of regions) {
    const client = clientFor(region);
    try {
      const calls = await readOrganizationFindings(client, filters, onPage);
      listCalls += calls.listCalls;
      getCalls += calls.getCalls;
    } catch (error) {
      if (!options.onError) throw error;
      options.onError(region, error);
    } finally {
      options.release?.(client);
    }
  }
  return { listCalls, getCalls };
}
