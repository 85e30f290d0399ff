import type {
  Condition,
  CreateSampleFindingsRequest,
  Finding,
  GetFindingsRequest,
  GetFindingsResponse,
  ListFindingsRequest,
  ListFindingsResponse,
  SortCriteria,
} from '@aws-sdk/client-guardduty';
import type { CallContext, Operation } from '../cloud';
import {
  ASSOCIATED,
  badRequest,
  checkBatch,
  type GuardDutyState,
  paginate,
  type StoredFinding,
} from './model';

/**
 * Findings, compactly: stored whole, visible to their owner and to the owner's administrator in
 * the same region, filtered by criteria on dotted camelCase paths (`service.archived`) as the API
 * names them, resolved against the SDK's PascalCase shape (`Service.Archived`).
 */

const DATE_FIELDS = new Set(['createdAt', 'updatedAt', 'service.eventFirstSeen', 'service.eventLastSeen']);
const DEFAULT_SAMPLE_TYPES = ['Recon:EC2/PortProbeUnprotectedPort', 'UnauthorizedAccess:EC2/SSHBruteForce'];

function valueAt(finding: Finding, path: string): unknown {
  let value: unknown = finding;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment.charAt(0).toUpperCase() + segment.slice(1)];
  }
  if (DATE_FIELDS.has(path) && typeof value === 'string') return Date.parse(value);
  return value;
}

function matches(value: unknown, condition: Condition): boolean {
  const text = value === undefined ? undefined : String(value);
  const number = typeof value === 'number' ? value : Number(value);
  const inList = (list: string[] | undefined) =>
    list === undefined || (text !== undefined && list.includes(text));
  const notInList = (list: string[] | undefined) =>
    list === undefined || text === undefined || !list.includes(text);
  const cmp = (bound: number | undefined, ok: (n: number) => boolean) =>
    bound === undefined || (!Number.isNaN(number) && value !== undefined && ok(number));
  return (
    inList(condition.Eq) &&
    inList(condition.Equals) &&
    notInList(condition.Neq) &&
    notInList(condition.NotEquals) &&
    cmp(condition.Gt ?? condition.GreaterThan, (n) => n > (condition.Gt ?? condition.GreaterThan)!) &&
    cmp(
      condition.Gte ?? condition.GreaterThanOrEqual,
      (n) => n >= (condition.Gte ?? condition.GreaterThanOrEqual)!,
    ) &&
    cmp(condition.Lt ?? condition.LessThan, (n) => n < (condition.Lt ?? condition.LessThan)!) &&
    cmp(condition.Lte ?? condition.LessThanOrEqual, (n) => n <= (condition.Lte ?? condition.LessThanOrEqual)!)
  );
}

function sortFindings(findings: Finding[], sort: SortCriteria | undefined): Finding[] {
  if (!sort?.AttributeName) return findings;
  const direction = sort.OrderBy === 'DESC' ? -1 : 1;
  const path = sort.AttributeName;
  return [...findings].sort((a, b) => {
    const x = valueAt(a, path) as number | string;
    const y = valueAt(b, path) as number | string;
    return x === y ? 0 : (x > y ? 1 : -1) * direction;
  });
}

export function findingOperations(state: GuardDutyState): Record<string, Operation> {
  const visible = (ctx: CallContext): StoredFinding[] =>
    state.findings.filter((f) => {
      if (f.region !== ctx.region) return false;
      if (f.owner === ctx.principal.account) return true;
      const m = state.membership(ctx.principal.account, f.owner, ctx.region);
      return m !== undefined && ASSOCIATED.has(m.status);
    });

  return {
    CreateSampleFindings(input: CreateSampleFindingsRequest, ctx) {
      state.ownDetector(ctx, input.DetectorId);
      const types = input.FindingTypes?.length ? input.FindingTypes : DEFAULT_SAMPLE_TYPES;
      for (const type of types) {
        storeFinding(state, ctx.principal.account, ctx.region, {
          Type: type,
          Service: { AdditionalInfo: { Value: '{"sample":true}', Type: 'default' } },
        });
      }
      return {};
    },

    ListFindings(input: ListFindingsRequest, ctx): ListFindingsResponse {
      state.ownDetector(ctx, input.DetectorId);
      const criteria = Object.entries(input.FindingCriteria?.Criterion ?? {});
      const selected = visible(ctx)
        .map((f) => f.finding)
        .filter((f) => criteria.every(([path, condition]) => matches(valueAt(f, path), condition)));
      const { page, nextToken } = paginate(
        sortFindings(selected, input.SortCriteria),
        input.MaxResults,
        input.NextToken,
      );
      return { FindingIds: page.map((f) => f.Id!), NextToken: nextToken };
    },

    GetFindings(input: GetFindingsRequest, ctx): GetFindingsResponse {
      state.ownDetector(ctx, input.DetectorId);
      const ids = new Set(checkBatch<string>(input.FindingIds));
      const found = visible(ctx)
        .map((f) => f.finding)
        .filter((f) => ids.has(f.Id!));
      return { Findings: structuredClone(sortFindings(found, input.SortCriteria)) };
    },
  };
}

export const FINDING_MUTATING = ['CreateSampleFindings'];

/**
 * Stores a finding, completed with what GuardDuty would have filled in. A finding with the same
 * id replaces the earlier one, as GuardDuty updates a recurring finding in place.
 */
export function storeFinding(
  state: GuardDutyState,
  account: string,
  region: string,
  partial: Partial<Finding>,
): Finding {
  const finding = completeFinding(state, account, region, partial);
  const index = state.findings.findIndex((f) => f.finding.Id === finding.Id);
  const stored = { owner: account, region, finding };
  if (index >= 0) state.findings[index] = stored;
  else state.findings.push(stored);
  return structuredClone(finding);
}

/** A complete finding from a partial one, as GuardDuty would have stored it. */
export function completeFinding(
  state: GuardDutyState,
  account: string,
  region: string,
  partial: Partial<Finding>,
): Finding {
  const now = new Date(state.now()).toISOString();
  const id = partial.Id ?? state.nextId('finding', account, region);
  const detectorId = state.detector(account, region)?.id;
  if (partial.Severity !== undefined && (partial.Severity < 1 || partial.Severity > 10)) throw badRequest();
  return {
    SchemaVersion: '2.0',
    AccountId: account,
    Region: region,
    Partition: 'aws',
    Id: id,
    Arn: `arn:aws:guardduty:${region}:${account}:detector/${detectorId ?? 'unknown'}/finding/${id}`,
    Type: 'Recon:EC2/PortProbeUnprotectedPort',
    Severity: 2,
    Title: 'Sandbox finding',
    Description: 'A finding stored by the sandbox cloud.',
    CreatedAt: now,
    UpdatedAt: now,
    Resource: { ResourceType: 'Instance' },
    ...partial,
    Service: {
      ServiceName: 'guardduty',
      DetectorId: detectorId,
      Archived: false,
      Count: 1,
      EventFirstSeen: now,
      EventLastSeen: now,
      ResourceRole: 'TARGET',
      ...partial.Service,
    },
  };
}
