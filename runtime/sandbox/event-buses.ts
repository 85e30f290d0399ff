import type { Operation, SandboxService } from './cloud';
import { checkPolicyDocument, type PolicyDocument } from './policy-document';
import type { GuardedResource, ResourcePolicyHolder } from './resource-policy';
import { SandboxSetupError } from './setup-error';

/**
 * The EventBridge event buses of the sandbox, as far as access to them goes: owner, region and
 * the bus's resource-based policy, which is what lets another account (or a service) put events
 * on the bus. Every account has a `default` bus in every region.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
 */
export interface SandboxEventBus {
  name: string;
  account: string;
  region: string;
  arn: string;
  policy?: PolicyDocument;
}

const ACCOUNT_ID = /^\d{12}$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/;

export class SandboxEventBuses implements SandboxService, ResourcePolicyHolder {
  readonly name = 'events';
  readonly operations: Readonly<Record<string, Operation>> = {};
  readonly mutating: ReadonlySet<string> = new Set<string>();
  generation = 0;
  private readonly buses = new Map<string, SandboxEventBus>();

  /** What `AWS::Events::EventBus` creates; returns the bus. */
  createEventBus(
    account: string,
    region: string,
    name: string,
    options: { policy?: unknown } = {},
  ): SandboxEventBus {
    if (!ACCOUNT_ID.test(account)) throw new SandboxSetupError(`account must be 12 digits, got '${account}'`);
    if (!BUS_NAME.test(name)) throw new SandboxSetupError(`invalid event bus name '${name}'`);
    const arn = busArn(account, region, name);
    if (this.buses.has(arn) || name === 'default')
      throw new SandboxSetupError(`event bus ${arn} already exists`);
    const bus: SandboxEventBus = { name, account, region, arn };
    this.buses.set(arn, bus);
    if (options.policy !== undefined) this.putBusPolicy(arn, options.policy);
    this.generation += 1;
    return bus;
  }

  /** What `PutPermission` / `AWS::Events::EventBusPolicy` leave on the bus: its whole policy. */
  putBusPolicy(arn: string, policy: unknown): void {
    const bus = this.bus(arn);
    if (!bus) throw new SandboxSetupError(`no event bus ${arn}`);
    bus.policy = checkPolicyDocument(policy, 'resource', `policy of event bus ${bus.name}`);
    this.generation += 1;
  }

  /** The bus `arn` names; an account's `default` bus exists without being created. */
  bus(arn: string): SandboxEventBus | undefined {
    const existing = this.buses.get(arn);
    if (existing) return existing;
    const [, region, account, name] = BUS_ARN.exec(arn) ?? [];
    if (name !== 'default' || region === undefined || account === undefined) return undefined;
    const bus: SandboxEventBus = { name, account, region, arn };
    this.buses.set(arn, bus);
    return bus;
  }

  guardedResource(arn: string): GuardedResource | undefined {
    const bus = this.bus(arn);
    return (
      bus && {
        account: bus.account,
        arn: bus.arn,
        region: bus.region,
        policy: bus.policy,
        generation: this.generation,
      }
    );
  }
}

export function busArn(account: string, region: string, name: string): string {
  return `arn:aws:events:${region}:${account}:event-bus/${name}`;
}
