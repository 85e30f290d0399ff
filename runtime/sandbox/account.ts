import type {
  GetRegionOptStatusRequest,
  GetRegionOptStatusResponse,
  ListRegionsRequest,
  ListRegionsResponse,
  Region,
  RegionOptStatus,
  ValidationExceptionReason,
} from '@aws-sdk/client-account';
import { ACCOUNT_ID } from '../../config/aws-names';
import { AwsError } from './aws-error';
import type { CallContext, Operation, SandboxService } from './cloud';
import type { SandboxOrganizations } from './organizations';
import { paginate } from './pagination';
import { SandboxSetupError } from './setup-error';

/**
 * The Account Management part of the sandbox cloud: which regions each account may use.
 *
 * Regions launched before March 2019 are enabled in every account; later ones are opt-in and
 * stay DISABLED until `enableRegion`, which is what makes Warden skip and report them.
 * An account asks about itself by leaving AccountId out; naming another account needs trusted
 * access for Account Management in the organisation, and the caller to be the management account
 * or the delegated administrator for Account Management: "After trusted access is enabled, you can
 * use the accountID parameter … only if you call the operation using credentials from the
 * management account or the delegated admin account of the organization".
 * https://docs.aws.amazon.com/accounts/latest/reference/using-orgs-trusted-access.html
 * https://docs.aws.amazon.com/accounts/latest/reference/API_ListRegions.html
 */
export const DEFAULT_REGIONS: readonly string[] = [
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
];

export const OPT_IN_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-south-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-1',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
];

const ALL_REGIONS = [...DEFAULT_REGIONS, ...OPT_IN_REGIONS].sort();
const ACCOUNT_SERVICE_PRINCIPAL = 'account.amazonaws.com';
const MAX_RESULTS = 50;

export class SandboxAccount implements SandboxService {
  readonly name = 'account';
  readonly mutating: ReadonlySet<string> = new Set<string>();
  readonly operations: Readonly<Record<string, Operation>> = {
    GetRegionOptStatus: (input: GetRegionOptStatusRequest, ctx: CallContext) =>
      this.getRegionOptStatus(input, ctx),
    ListRegions: (input: ListRegionsRequest, ctx: CallContext) => this.listRegions(input, ctx),
  };

  /** account → opt-in regions it has enabled */
  private readonly enabled = new Map<string, Set<string>>();

  constructor(private readonly organizations: SandboxOrganizations) {}

  enableRegion(account: string, region: string): void {
    if (!OPT_IN_REGIONS.includes(region)) {
      throw new SandboxSetupError(`${region} is not an opt-in region; it is ${statusLabel(region)}`);
    }
    const regions = this.enabled.get(account) ?? new Set<string>();
    regions.add(region);
    this.enabled.set(account, regions);
  }

  disableRegion(account: string, region: string): void {
    this.enabled.get(account)?.delete(region);
  }

  statusOf(account: string, region: string): RegionOptStatus {
    if (DEFAULT_REGIONS.includes(region)) return 'ENABLED_BY_DEFAULT';
    return this.enabled.get(account)?.has(region) ? 'ENABLED' : 'DISABLED';
  }

  private getRegionOptStatus(input: GetRegionOptStatusRequest, ctx: CallContext): GetRegionOptStatusResponse {
    const account = this.targetAccount(input.AccountId, ctx, 'GetRegionOptStatus');
    const region = input.RegionName;
    if (region === undefined || !ALL_REGIONS.includes(region)) {
      throw validation('invalidRegionOptTarget', `Invalid region: ${String(region)}`);
    }
    return { RegionName: region, RegionOptStatus: this.statusOf(account, region) };
  }

  private listRegions(input: ListRegionsRequest, ctx: CallContext): ListRegionsResponse {
    const account = this.targetAccount(input.AccountId, ctx, 'ListRegions');
    const maxResults = input.MaxResults ?? MAX_RESULTS;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS) {
      throw validation(
        'fieldValidationFailed',
        `MaxResults must be between 1 and ${MAX_RESULTS}, got ${maxResults}`,
      );
    }
    const wanted = input.RegionOptStatusContains;
    const regions: Region[] = ALL_REGIONS.map((name) => ({
      RegionName: name,
      RegionOptStatus: this.statusOf(account, name),
    })).filter((r) => !wanted?.length || wanted.includes(r.RegionOptStatus!));
    const scope = `ListRegions/${account}/${[...(wanted ?? [])].sort().join(',')}`;
    const page = paginate(regions, { scope, maxResults, nextToken: input.NextToken }, () =>
      validation('fieldValidationFailed', 'The NextToken is invalid.'),
    );
    return { Regions: page.items, NextToken: page.nextToken };
  }

  /** The account the call is about, after the organisation checks AWS applies to AccountId. */
  private targetAccount(accountId: string | undefined, ctx: CallContext, operation: string): string {
    const caller = ctx.principal.account;
    if (accountId === undefined) return caller;
    if (!ACCOUNT_ID.test(accountId)) {
      throw validation('fieldValidationFailed', `Invalid AccountId: ${accountId}`);
    }
    const denied = new AwsError(
      'AccessDeniedException',
      `User: ${ctx.principal.arn} is not authorized to perform: account:${operation}`,
      403,
    );
    if (!this.organizations.hasTrustedAccess(ACCOUNT_SERVICE_PRINCIPAL)) throw denied;
    if (!this.organizations.canAdminister(caller, ACCOUNT_SERVICE_PRINCIPAL)) throw denied;
    // The management account must leave AccountId out to speak of itself.
    if (accountId === this.organizations.managementAccountId) throw denied;
    if (!this.organizations.isMember(accountId)) throw denied;
    return accountId;
  }
}

function statusLabel(region: string): string {
  return DEFAULT_REGIONS.includes(region) ? 'enabled by default' : 'not a region the sandbox knows';
}

function validation(reason: ValidationExceptionReason, message: string): AwsError {
  // The SDK's ValidationException carries a `reason`; callers may branch on it.
  return Object.assign(new AwsError('ValidationException', message), { reason });
}
