import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, Pluggable } from '@smithy/types';
import { partitionOfRegion } from './partition';

/**
 * The one place where AWS SDK clients are made. A handler asks for a client by account, region
 * and (for member accounts) the role to assume; the factory assumes the role, caches the
 * credentials until shortly before they expire, and caches the client.
 *
 * The local runtime and the tests build the same factory with a different `transport`: a
 * middleware that answers calls from the sandbox cloud, or an endpoint such as moto's. Handlers
 * never know which one they talk to.
 */
export interface ClientTarget {
  account: string;
  region: string;
  /** Role to assume in `account`; omitted for the caller's own account. */
  roleName?: string;
}

/** What every SDK client constructor we use accepts. */
export interface BaseClientConfig {
  region: string;
  credentials?: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);
  endpoint?: string;
  maxAttempts?: number;
}

export interface SdkClient {
  middlewareStack: { use(pluggable: Pluggable<any, any>): void };
  destroy(): void;
}
export type ClientClass<C extends SdkClient> = new (config: BaseClientConfig) => C;

export interface ClientFactoryOptions {
  /** Account the code runs in; calls there use `baseCredentials`. */
  ownAccount: string;
  /** Credentials of the code's own identity. @default - the SDK's default provider chain */
  baseCredentials?: AwsCredentialIdentity;
  /** Sends every call to this endpoint (moto, a local runtime) instead of AWS. */
  endpoint?: string;
  /**
   * Per-client endpoints by client class name, e.g. `{ DynamoDBClient: 'http://127.0.0.1:4567' }`: for
   * local runs only (a minified Lambda bundle renames classes; in AWS no endpoint is set).
   */
  endpoints?: Readonly<Record<string, string>>;
  /** Answers calls in process instead of sending them (the sandbox cloud). */
  transport?: Pluggable<any, any>;
  /**
   * Attempts per SDK call. Warden keeps this low and leaves retries with backoff and jitter to the
   * state machine's Retry rules, so that every retry shows in the execution history.
   * @default 2
   */
  maxAttempts?: number;
  /** @default 'warden' */
  sessionName?: string;
  /**
   * The partition of the accounts the code reaches (`aws`, `aws-cn`, `aws-us-gov`), for the role
   * ARNs it assumes. @default - the partition of the target's region
   */
  partition?: string;
  /** Clock for credential expiry checks. @default Date.now */
  now?: () => number;
}

const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;

export class ClientFactory {
  /**
   * Clients by class, then by target. Keyed by the class itself, not its name: a minified Lambda
   * bundle renames classes, and two clients could then share a name.
   */
  private readonly clients = new Map<ClientClass<SdkClient>, Map<string, SdkClient>>();
  private readonly credentials = new Map<string, Promise<AwsCredentialIdentity>>();

  constructor(readonly options: ClientFactoryOptions) {}

  /** `factory.client(EC2Client, { account, region, roleName })` */
  client<C extends SdkClient>(Client: ClientClass<C>, target: ClientTarget): C {
    const key = `${target.account}|${target.region}|${target.roleName ?? ''}`;
    let ofClass = this.clients.get(Client as ClientClass<SdkClient>);
    if (!ofClass) {
      ofClass = new Map();
      this.clients.set(Client as ClientClass<SdkClient>, ofClass);
    }
    let client = ofClass.get(key) as C | undefined;
    if (!client) {
      client = this.build(Client, target.region, this.credentialsProvider(target));
      ofClass.set(key, client);
    }
    return client;
  }

  /** Forget cached credentials, e.g. after a role was found to be missing. */
  forget(target: ClientTarget): void {
    this.credentials.delete(credentialKey(target));
  }

  destroy(): void {
    for (const ofClass of this.clients.values()) for (const client of ofClass.values()) client.destroy();
    this.clients.clear();
    this.credentials.clear();
  }

  private build<C extends SdkClient>(
    Client: ClientClass<C>,
    region: string,
    credentials: BaseClientConfig['credentials'],
  ): C {
    const client = new Client({
      region,
      credentials,
      endpoint: this.options.endpoints?.[Client.name] ?? this.options.endpoint,
      maxAttempts: this.options.maxAttempts ?? 2,
    });
    if (this.options.transport) client.middlewareStack.use(this.options.transport);
    return client;
  }

  private credentialsProvider(target: ClientTarget): BaseClientConfig['credentials'] {
    const own = target.account === this.options.ownAccount && !target.roleName;
    if (own) return this.options.baseCredentials;
    if (!target.roleName) {
      throw new Error(
        `a role name is needed to reach account ${target.account} from ${this.options.ownAccount}`,
      );
    }
    return () => this.assumed(target);
  }

  private assumed(target: ClientTarget): Promise<AwsCredentialIdentity> {
    const key = credentialKey(target);
    const now = (this.options.now ?? Date.now)();
    const cached = this.credentials.get(key);
    if (cached) {
      return cached.then((creds) => {
        if (creds.expiration && creds.expiration.getTime() - REFRESH_BEFORE_EXPIRY_MS < now) {
          this.credentials.delete(key);
          return this.assumed(target);
        }
        return creds;
      });
    }
    const pending = this.assumeRole(target).catch((error: unknown) => {
      this.credentials.delete(key);
      throw error;
    });
    this.credentials.set(key, pending);
    return pending;
  }

  private async assumeRole(target: ClientTarget): Promise<AwsCredentialIdentity> {
    const sts = this.client(STSClient, { account: this.options.ownAccount, region: target.region });
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:${this.options.partition ?? partitionOfRegion(target.region)}:iam::${target.account}:role/${target.roleName}`,
        RoleSessionName: this.options.sessionName ?? 'warden',
        DurationSeconds: 3600,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) {
      throw new Error(`AssumeRole into ${target.account} returned no credentials`);
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  }
}

/** Credentials are global (IAM), so one AssumeRole serves every region of an account. */
function credentialKey(target: ClientTarget): string {
  return `${target.account}|${target.roleName ?? ''}`;
}
