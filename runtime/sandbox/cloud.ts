import { randomBytes } from 'node:crypto';
import type { AwsCredentialIdentity, Pluggable } from '@smithy/types';
import { AwsError } from './aws-error';
import { FaultInjector } from './faults';
import { type IamCoverage, suiteIamCoverage } from './iam-coverage';
import { IamEnforcer } from './iam-enforcement';

/**
 * The sandbox cloud: an in-process, stateful stand-in for the part of AWS that Warden calls.
 *
 * Task handlers keep using real AWS SDK v3 clients. The client factory adds `transport()` to each
 * client; it answers the call here, after the SDK has signed it, so the caller's identity comes
 * from the credentials it signed with — exactly how AWS tells accounts apart. Services this
 * sandbox does not emulate (DynamoDB, which runs on dynalite) pass through to their endpoint,
 * still subject to injected faults.
 *
 * Every call signed by an identity the sandbox issued is authorized by IAM first (see
 * iam-enforcement.ts), emulated or passed through, and denied in the service's own shape.
 */
export interface Principal {
  account: string;
  /** The role whose credentials signed the call; `undefined` for the account's own base identity. */
  roleName?: string;
  arn: string;
}

export interface CallContext {
  principal: Principal;
  region: string;
  cloud: SandboxCloud;
}

export type Operation = (input: any, ctx: CallContext) => unknown;

/** One emulated service: its operations, and which of them change state. */
export interface SandboxService {
  readonly name: string;
  readonly operations: Readonly<Record<string, Operation>>;
  readonly mutating: ReadonlySet<string>;
  /** Operations it does not implement go on to the real endpoint (e.g. S3 objects on moto). */
  readonly passThrough?: boolean;
}

export interface SandboxCloudOptions {
  /** Seeds injected faults. @default 1 */
  seed?: number;
  /** Where allowed calls are recorded per statement. @default - the process-wide suite coverage */
  iamCoverage?: IamCoverage;
}

export interface CallRecord {
  service: string;
  operation: string;
  account: string;
  region: string;
  mutating: boolean;
  error?: string;
}

/** SDK client class name → sandbox service name. */
const SERVICE_BY_CLIENT: Readonly<Record<string, string>> = {
  EC2Client: 'ec2',
  STSClient: 'sts',
  SNSClient: 'sns',
  OrganizationsClient: 'organizations',
  GuardDutyClient: 'guardduty',
  IAMClient: 'iam',
  AccountClient: 'account',
  DynamoDBClient: 'dynamodb',
  SFNClient: 'sfn',
  S3Client: 's3',
  SecretsManagerClient: 'secretsmanager',
};

export class SandboxCloud {
  readonly faults: FaultInjector;
  readonly iam: IamEnforcer;
  readonly iamCoverage: IamCoverage;
  readonly calls: CallRecord[] = [];
  /** Milliseconds of simulated AWS latency accumulated by calls (see FaultInjector.latency). */
  simulatedMs = 0;
  private readonly services = new Map<string, SandboxService>();
  private readonly principals = new Map<string, Principal>();

  constructor(options: SandboxCloudOptions = {}) {
    this.faults = new FaultInjector(options.seed ?? 1);
    this.iamCoverage = options.iamCoverage ?? suiteIamCoverage;
    this.iam = new IamEnforcer(this.services, this.iamCoverage);
  }

  register(service: SandboxService): this {
    this.services.set(service.name, service);
    const covered = service as { useCoverage?: (coverage: IamCoverage) => void };
    if (typeof covered.useCoverage === 'function') covered.useCoverage(this.iamCoverage);
    return this;
  }

  /** The registered service, or undefined in a sandbox built without it (e.g. a GuardDuty-only test world). */
  registered<S extends SandboxService>(name: string): S | undefined {
    return this.services.get(name) as S | undefined;
  }

  service<S extends SandboxService>(name: string): S {
    const service = this.services.get(name);
    if (!service) throw new Error(`the sandbox has no ${name} service`);
    return service as S;
  }

  /** Mints credentials that identify `principal` to the sandbox, as STS would. */
  issueCredentials(
    principal: Omit<Principal, 'arn'> & { arn?: string },
    expiresAt?: Date,
  ): AwsCredentialIdentity {
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const arn =
      principal.arn ??
      (principal.roleName
        ? `arn:aws:sts::${principal.account}:assumed-role/${principal.roleName}/warden`
        : `arn:aws:iam::${principal.account}:root`);
    this.principals.set(accessKeyId, { account: principal.account, roleName: principal.roleName, arn });
    return {
      accessKeyId,
      secretAccessKey: randomBytes(20).toString('hex'),
      sessionToken: randomBytes(16).toString('hex'),
      expiration: expiresAt,
    };
  }

  /** Calls counted since the last reset, optionally only one service's or only mutating ones. */
  count(filter: { service?: string; operation?: string; mutating?: boolean; account?: string } = {}): number {
    return this.calls.filter(
      (c) =>
        (filter.service === undefined || c.service === filter.service) &&
        (filter.operation === undefined || c.operation === filter.operation) &&
        (filter.mutating === undefined || c.mutating === filter.mutating) &&
        (filter.account === undefined || c.account === filter.account),
    ).length;
  }

  resetCalls(): void {
    this.calls.length = 0;
    this.simulatedMs = 0;
  }

  /** Runs one call as if it reached AWS. Exposed for tests that bypass the SDK. */
  async call(
    service: string,
    operation: string,
    input: unknown,
    principal: Principal,
    region: string,
  ): Promise<unknown> {
    const emulated = this.services.get(service);
    const mutating =
      emulated?.mutating.has(operation) ?? !/^(Get|List|Describe|Query|Scan|BatchGet)/.test(operation);
    const record: CallRecord = { service, operation, account: principal.account, region, mutating };
    this.calls.push(record);
    const latency = this.faults.latencyFor(service, operation);
    this.simulatedMs += latency.simulatedMs;
    if (latency.realMs > 0) await new Promise((resolve) => setTimeout(resolve, latency.realMs));
    try {
      const lostReply = this.faults.check(service, operation, mutating);
      await this.iam.authorizeCall(service, operation, input, principal, region);
      const lost = lostReply ? { [PASS_THROUGH]: lostReply, record } : PASS_THROUGH;
      if (!emulated) return lost;
      const op = emulated.operations[operation];
      if (!op && emulated.passThrough) return lost;
      if (!op)
        throw new AwsError('InvalidAction', `the sandbox's ${service} does not implement ${operation}`);
      const result = await op(structuredClone(input ?? {}), { principal, region, cloud: this });
      // The operation has taken effect; the caller only learns of a failure (see ReplyLostRule).
      if (lostReply) throw lostReply;
      return result;
    } catch (error) {
      record.error = (error as Error).name;
      throw error;
    }
  }

  /** The middleware the client factory adds to every SDK client in sandbox mode. */
  transport(): Pluggable<any, any> {
    return {
      applyToStack: (stack) => {
        stack.add(
          (next, context) => async (args) => {
            (context as Record<string, unknown>).__sandboxInput = args.input;
            return next(args);
          },
          { step: 'initialize', name: 'wardenSandboxCapture', priority: 'high' },
        );
        stack.addRelativeTo(
          (next: (args: any) => Promise<any>, context: object) => async (args: any) => {
            const clientName = String((context as Record<string, unknown>).clientName ?? '');
            const service = SERVICE_BY_CLIENT[clientName];
            if (!service) throw new Error(`the sandbox cannot route ${clientName || 'an unnamed client'}`);
            const operation = String((context as Record<string, unknown>).commandName ?? '').replace(
              /Command$/,
              '',
            );
            const { accessKeyId, region } = signedBy(args.request);
            const principal = this.principals.get(accessKeyId);
            if (!principal && this.services.has(service)) {
              throw new AwsError(
                'InvalidClientTokenId',
                'The security token included in the request is invalid.',
                403,
              );
            }
            const result = await this.call(
              service,
              operation,
              (context as Record<string, unknown>).__sandboxInput,
              principal ?? { account: 'unknown', arn: 'unknown' },
              region,
            );
            if (result === PASS_THROUGH) return next(args);
            if (isLostPassThrough(result)) {
              // Services on their own endpoint (DynamoDB on dynalite) commit, then lose the reply too.
              await next(args);
              result.record.error = result[PASS_THROUGH].name;
              throw result[PASS_THROUGH];
            }
            return {
              response: { statusCode: 200, headers: {}, body: undefined },
              output: { ...(result as object), $metadata: { httpStatusCode: 200, requestId: requestId() } },
            };
          },
          { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'wardenSandboxTransport' },
        );
      },
    };
  }
}

const PASS_THROUGH = Symbol('pass-through');
function isLostPassThrough(result: unknown): result is { [PASS_THROUGH]: Error; record: CallRecord } {
  return typeof result === 'object' && result !== null && PASS_THROUGH in result;
}

function signedBy(request: { headers?: Record<string, string> }): { accessKeyId: string; region: string } {
  const auth = request.headers?.authorization ?? request.headers?.Authorization ?? '';
  const match = /Credential=([^/]+)\/\d{8}\/([^/]+)\//.exec(auth);
  if (!match)
    throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  return { accessKeyId: match[1]!, region: match[2]! };
}

function requestId(): string {
  return randomBytes(16).toString('hex');
}
