import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  type OrganizationsClient,
  OrganizationsClient as OrganizationsClientClass,
} from '@aws-sdk/client-organizations';
import { type Dynalite, dynaliteClient } from '../dynamo';
import type { SandboxOrganization } from '../sandbox/world';
import { StackDeployFailedError } from './errors';
import { createTemplateRole, type RoleDocuments } from './role-seam';
import { type DeployedRole, type DeployedTable, readStack, type StackDeployment } from './stack-model';
import type { StackTemplate } from './template';

/**
 * `cdk deploy` into the sandbox: creates what a synthesized stack declares, in the stack's account
 * and region — DynamoDB tables on dynalite from the template's key schema and indexes, the topic,
 * the roles with their trust and permission policies, the buckets, keys and bus policies, the
 * rules — and, for the management stack's service-managed StackSet, the member role in every
 * account of the target OUs. Functions and state machines are handed to the local runtime
 * (`onDeployed`), which runs each function's task with the function's role and environment.
 */
export const STACKSETS_SERVICE_PRINCIPAL = 'member.org.stacksets.cloudformation.amazonaws.com';
/** The service principal StackSets' service-linked role in the management account trusts. */
export const STACKSETS_ADMIN_SERVICE = 'stacksets.cloudformation.amazonaws.com';

export interface DeployOptions {
  /** `--parameters Name=value`. */
  parameters?: Readonly<Record<string, string>>;
}

export interface SandboxDeploymentOptions {
  org: SandboxOrganization;
  dynamo: Dynalite;
  templates: readonly StackTemplate[];
  /** Where the local runtime serves HTTP APIs (API Gateway endpoints resolve to it). */
  apiEndpoint?: string;
}

export class SandboxDeployment {
  /** Deployed stacks by name. */
  readonly stacks = new Map<string, StackDeployment>();
  /** Every role the deployment created, with its policy documents, by ARN. */
  readonly roles: RoleDocuments = new Map();
  /** The StackSet's instances: the member role by member account. */
  readonly memberRoles = new Map<string, DeployedRole>();
  private readonly listeners: ((stack: StackDeployment) => void)[] = [];
  private readonly createdTables = new Set<string>();
  /** The latest deployed version of each StackSet, by name (an update changes what new accounts get). */
  private readonly stackSets = new Map<string, StackDeployment['stackSets'][number]>();
  private watchingNewAccounts = false;

  constructor(private readonly options: SandboxDeploymentOptions) {}

  get stackNames(): string[] {
    return this.options.templates.map((t) => t.stackName);
  }

  /** Called with each stack once it is deployed (the local runtime wires functions and state machines). */
  onDeployed(listener: (stack: StackDeployment) => void): void {
    this.listeners.push(listener);
  }

  template(stackName: string): StackTemplate {
    const found = this.options.templates.find((t) => t.stackName === stackName);
    if (!found) {
      throw new StackDeployFailedError(
        `No stack named ${stackName} in the app; its stacks are ${this.stackNames.join(', ')}`,
      );
    }
    return found;
  }

  /** Deploys one stack as CloudFormation would create it (a second deploy updates roles and policies). */
  async deploy(stackName: string, options: DeployOptions = {}): Promise<StackDeployment> {
    const template = this.template(stackName);
    const { organizations } = this.options.org.services;
    if (!organizations.isMember(template.account)) {
      throw new StackDeployFailedError(
        `${stackName} deploys into account ${template.account}, which is not in the organisation`,
      );
    }
    const stack = readStack(template, {
      parameters: options.parameters,
      apiEndpoint: this.options.apiEndpoint,
    });
    await this.createTables(stack);
    this.createResourcesWithPolicies(stack);
    for (const role of stack.roles)
      createTemplateRole(this.options.org.services.iam, role, this.roles, stackName);
    for (const fn of stack.functions) {
      // CloudFormation fails a function whose role Lambda may not assume.
      requireServiceTrust(stack, fn.roleName, 'lambda.amazonaws.com', this.roles);
    }
    for (const machine of stack.stateMachines)
      requireServiceTrust(stack, machine.roleName, 'states.amazonaws.com', this.roles);
    for (const set of stack.stackSets) await this.deployStackSet(stack, set);
    this.stacks.set(stackName, stack);
    for (const listener of this.listeners) listener(stack);
    return stack;
  }

  isDeployed(stackName: string): boolean {
    return this.stacks.has(stackName);
  }

  /**
   * Keys, buckets, the topic, the bus policies, the functions with their permissions and the
   * rules, each with the policy the template gives it.
   */
  private createResourcesWithPolicies(stack: StackDeployment): void {
    const { kms, s3, sns, events, lambda, secretsManager } = this.options.org.services;
    // CloudFormation generates a secret's value once; an update keeps it.
    for (const secret of stack.secrets) {
      if (!secretsManager.secret(secret.arn))
        secretsManager.createSecret(secret.arn, secret.secretString ?? secret.generate ?? {});
    }
    for (const key of stack.keys) {
      if (kms.key(key.arn)) kms.putKeyPolicy(key.arn, key.policy);
      else kms.createKey(stack.account, stack.region, { keyId: key.keyId, policy: key.policy });
    }
    for (const bucket of stack.buckets) {
      if (!s3.bucket(bucket.bucketName)) {
        s3.createBucket(stack.account, stack.region, bucket.bucketName, {
          ...(bucket.kmsKeyArn ? { kmsKeyArn: bucket.kmsKeyArn } : {}),
        });
      }
      if (bucket.policy) s3.putBucketPolicy(bucket.bucketName, bucket.policy);
    }
    for (const topic of stack.topics) {
      // Idempotent, like CreateTopic.
      const arn = sns.addTopic(stack.account, stack.region, topic.topicName, {
        ...(topic.kmsKeyArn ? { kmsKeyArn: topic.kmsKeyArn } : {}),
      });
      if (topic.policy) sns.setTopicPolicy(arn, topic.policy);
    }
    // Each AWS::Events::EventBusPolicy is one statement of the bus's policy (PutPermission).
    const byBus = new Map<string, Record<string, unknown>[]>();
    for (const policy of stack.busPolicies) {
      const arn = `arn:aws:events:${stack.region}:${stack.account}:event-bus/${policy.eventBusName}`;
      byBus.set(arn, [...(byBus.get(arn) ?? []), { Sid: policy.statementId, ...policy.statement }]);
    }
    for (const [arn, statements] of byBus) {
      const existing = (events.bus(arn)?.policy?.Statement ?? []) as Record<string, unknown>[];
      const sids = new Set(statements.map((s) => s.Sid));
      events.putBusPolicy(arn, {
        Version: '2012-10-17',
        Statement: [...existing.filter((s) => !sids.has(s.Sid)), ...statements],
      });
    }
    for (const fn of stack.functions) lambda.createFunction(fn.arn, { label: fn.taskId ?? fn.functionName });
    for (const permission of stack.permissions) {
      if (!lambda.function(permission.functionArn)) {
        throw new StackDeployFailedError(
          `${stack.stackName}: permission ${permission.logicalId} names function ${permission.functionArn}, which does not exist`,
        );
      }
      lambda.addPermission(permission.functionArn, {
        statementId: permission.logicalId,
        action: permission.action,
        principal: permission.principal,
        sourceArn: permission.sourceArn,
        sourceAccount: permission.sourceAccount,
      });
    }
    for (const rule of stack.rules) {
      if (!rule.eventPattern) continue;
      events.putRule({
        name: rule.ruleName,
        account: stack.account,
        region: stack.region,
        busName: rule.eventBusName,
        pattern: rule.eventPattern,
        targets: rule.targets,
      });
    }
  }

  private async createTables(stack: StackDeployment): Promise<void> {
    const client = dynaliteClient(this.options.dynamo.endpoint);
    try {
      for (const table of stack.tables) {
        if (this.createdTables.has(table.tableName)) continue;
        await client.send(new CreateTableCommand(createTableInput(table)));
        this.createdTables.add(table.tableName);
      }
    } finally {
      client.destroy();
    }
  }

  /**
   * CloudFormation's side of ActivateOrganizationsAccess, once trusted access for StackSets is
   * enabled: "The following service-linked roles are automatically created in your
   * organization's accounts when you enable trusted access ... Management account:
   * CloudFormationStackSetsOrgAdmin; Member accounts: CloudFormationStackSetsOrgMember"
   * (https://docs.aws.amazon.com/organizations/latest/userguide/services-that-can-integrate-cloudformation.html#integrate-enable-slr-cloudformation;
   * "Each target account uses a AWSServiceRoleForCloudFormationStackSetsOrgMember service-linked
   * role", https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html).
   * The member accounts are those in the organisation at that moment (see `deployStackInstance`
   * for an account that joins later). `region` is where the call is made: Organizations answers
   * the same in every Region.
   */
  async activateOrganizationsAccess(region: string): Promise<void> {
    const { org } = this.options;
    const management = org.services.organizations.managementAccountId;
    org.services.iam.createServiceLinkedRole(management, STACKSETS_ADMIN_SERVICE);
    const organizations = org.administratorClients(management).client(OrganizationsClientClass, {
      account: management,
      region,
    });
    const roots = await organizations.send(new ListRootsCommand({}));
    for (const root of roots.Roots ?? []) {
      for (const account of await accountsUnder(organizations, root.Id!)) {
        if (account !== management)
          org.services.iam.createServiceLinkedRole(account, STACKSETS_SERVICE_PRINCIPAL);
      }
    }
  }

  /**
   * A service-managed StackSet needs trusted access between StackSets and Organizations, and
   * deploys to every account of its target OUs — never to the management account, even when it is
   * in one of them.
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ActivateOrganizationsAccess.html
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html
   */
  private async deployStackSet(
    stack: StackDeployment,
    set: StackDeployment['stackSets'][number],
  ): Promise<void> {
    const { org } = this.options;
    const management = org.services.organizations.managementAccountId;
    // StackSets operates a service-managed stack set with its service-linked role in the
    // management account, which activating organizations access creates (see deploy-steps.ts).
    if (
      set.permissionModel === 'SERVICE_MANAGED' &&
      (!org.services.organizations.hasTrustedAccess(STACKSETS_SERVICE_PRINCIPAL) ||
        !org.services.iam.serviceLinkedRole(management, STACKSETS_ADMIN_SERVICE))
    ) {
      throw new StackDeployFailedError(
        `${stack.stackName}: StackSet ${set.stackSetName}: You must enable organizations access to operate a service managed stack set (aws cloudformation activate-organizations-access)`,
      );
    }
    const organizations = org.administratorClients(management).client(OrganizationsClientClass, {
      account: management,
      region: stack.region,
    });
    const accounts = new Set<string>();
    for (const parent of set.organizationalUnitIds) {
      for (const id of await accountsUnder(organizations, parent)) accounts.add(id);
    }
    accounts.delete(management);
    for (const account of accounts) this.deployStackInstance(set, account);
    // With `AutoDeployment.Enabled`, "StackSets automatically deploys additional stack instances to
    // AWS Organizations accounts that are added to a target organization or organizational unit
    // (OU)" (never the management account, as above). AWS does it shortly after the account joins;
    // the sandbox does it as the account joins.
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_AutoDeployment.html
    this.stackSets.set(set.stackSetName, set);
    if (this.watchingNewAccounts) return;
    this.watchingNewAccounts = true;
    org.services.organizations.onAccountAdded((account) => {
      if (account === management) return;
      const ancestors = org.services.organizations.ancestorsOf(account);
      for (const current of this.stackSets.values()) {
        if (current.autoDeployment && current.organizationalUnitIds.some((t) => ancestors.includes(t)))
          this.deployStackInstance(current, account);
      }
    });
  }

  /** One stack instance of a StackSet: its roles in `account`, in each of the set's regions. */
  private deployStackInstance(set: StackDeployment['stackSets'][number], account: string): void {
    const { iam } = this.options.org.services;
    // StackSets acts in each target account with its service-linked role there. Accounts in the
    // organisation when trusted access was activated have it from then on
    // (`activateOrganizationsAccess`); for an account that joined later AWS's pages do not say when
    // it is created, so the sandbox creates it with the account's first stack instance, which
    // needs it (idempotent for the others).
    if (set.permissionModel === 'SERVICE_MANAGED')
      iam.createServiceLinkedRole(account, STACKSETS_SERVICE_PRINCIPAL);
    for (const region of set.regions) {
      const instance = readStack(
        { stackName: `StackSet-${set.stackSetName}`, account, region, template: set.template },
        { account, region },
      );
      for (const role of instance.roles) {
        createTemplateRole(iam, role, this.roles, `StackSet-${set.stackSetName}`);
        this.memberRoles.set(account, role);
      }
    }
  }
}

/** CreateTable for a table as its template declares it (on-demand, its keys and indexes), named `name`. */
export function createTableInput(table: DeployedTable, name = table.tableName): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: table.keySchema,
    AttributeDefinitions: table.attributeDefinitions,
    ...(table.globalSecondaryIndexes.length > 0
      ? {
          GlobalSecondaryIndexes:
            table.globalSecondaryIndexes as unknown as CreateTableCommandInput['GlobalSecondaryIndexes'],
        }
      : {}),
  };
}

async function accountsUnder(client: OrganizationsClient, parentId: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListAccountsForParentCommand({ ParentId: parentId, NextToken: token }),
    );
    for (const account of page.Accounts ?? [])
      if (account.Status === 'ACTIVE' && account.Id) out.push(account.Id);
    token = page.NextToken;
  } while (token);
  do {
    const page = await client.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: parentId, NextToken: token }),
    );
    for (const unit of page.OrganizationalUnits ?? [])
      if (unit.Id) out.push(...(await accountsUnder(client, unit.Id)));
    token = page.NextToken;
  } while (token);
  return out;
}

function requireServiceTrust(
  stack: StackDeployment,
  roleName: string,
  service: string,
  roles: RoleDocuments,
): void {
  const role = [...roles.values()].find((r) => r.account === stack.account && r.roleName === roleName);
  const trusts = role?.trustPolicy.Statement.some((s) => {
    const principal = (s.Principal as { Service?: string | string[] } | undefined)?.Service;
    return s.Effect === 'Allow' && [principal].flat().includes(service);
  });
  if (!trusts) {
    throw new StackDeployFailedError(
      `${stack.stackName}: the role ${roleName} cannot be assumed by ${service}`,
    );
  }
}
