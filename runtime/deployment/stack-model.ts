import { UnresolvableTemplateError } from './errors';
import {
  type CfnResource,
  type CfnValue,
  type ResolveContext,
  ResolvedTemplate,
  type StackTemplate,
} from './template';

/**
 * What a synthesized stack declares, resolved to the names and ARNs it gets when deployed into an
 * account and region: the part of the template the local deployment creates in the sandbox.
 */
export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

export interface DeployedRole {
  logicalId: string;
  account: string;
  roleName: string;
  arn: string;
  trustPolicy: PolicyDocument;
  /** Inline policies by name: the role's `Policies` and every `AWS::IAM::Policy` attached to it. */
  inlinePolicies: Record<string, PolicyDocument>;
  managedPolicyArns: string[];
  /** @default '/' */
  path?: string;
  maxSessionDuration?: number;
}

export interface DeployedFunction {
  logicalId: string;
  functionName: string;
  arn: string;
  /** Warden's task id, from the function's role name `WardenTask-<id>`. */
  taskId?: string;
  roleLogicalId: string;
  roleName: string;
  /** Environment variables as Lambda would set them. */
  environment: Record<string, string>;
  timeoutSeconds: number;
}

export interface DeployedStateMachine {
  logicalId: string;
  name: string;
  arn: string;
  /** The definition after `DefinitionSubstitutions`, as Step Functions stores it. */
  definition: Record<string, unknown> & { StartAt: string; States: Record<string, unknown> };
  roleName: string;
}

export interface DeployedTable {
  logicalId: string;
  tableName: string;
  arn: string;
  keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  globalSecondaryIndexes: Record<string, unknown>[];
  timeToLiveAttribute?: string;
}

export interface DeployedBucket {
  logicalId: string;
  bucketName: string;
  arn: string;
  policy?: PolicyDocument;
  /** The KMS key ARN of its default encryption, when SSE-KMS. */
  kmsKeyArn?: string;
}

export interface DeployedKey {
  logicalId: string;
  keyId: string;
  arn: string;
  policy: PolicyDocument;
}

export interface DeployedTopic {
  logicalId: string;
  topicName: string;
  arn: string;
  policy?: PolicyDocument;
  /** The key of the topic's server-side encryption (`KmsMasterKeyId`), resolved to its ARN. */
  kmsKeyArn?: string;
}

export interface DeployedBusPolicy {
  eventBusName: string;
  statementId: string;
  statement: Record<string, unknown>;
}

export interface DeployedRule {
  logicalId: string;
  ruleName: string;
  arn: string;
  eventBusName: string;
  eventPattern?: Record<string, unknown>;
  targets: { id: string; arn: string; roleArn?: string }[];
}

/** A Secrets Manager secret: its value, or how CloudFormation generates it. */
export interface DeployedSecret {
  logicalId: string;
  arn: string;
  secretString?: string;
  generate?: { PasswordLength?: number; ExcludePunctuation?: boolean };
}

/** An EventBridge Scheduler schedule and the target it invokes with its role. */
export interface DeployedSchedule {
  logicalId: string;
  scheduleName: string;
  /** `arn:…:scheduler:<region>:<account>:schedule/<group>/<name>` */
  arn: string;
  /** `arn:…:scheduler:<region>:<account>:schedule-group/<group>` */
  groupArn: string;
  expression: string;
  /** The target's ARN: for Warden's schedules, a state machine (StartExecution). */
  targetArn: string;
  /** The execution role Scheduler assumes to invoke the target. */
  roleArn: string;
  /** The target's input, context attributes (`<aws.scheduler.…>`) not yet replaced. */
  input?: string;
}

/** An `AWS::Lambda::Permission`: one statement of a function's resource-based policy. */
export interface DeployedPermission {
  logicalId: string;
  functionArn: string;
  action: string;
  principal: string;
  sourceArn?: string;
  sourceAccount?: string;
}

export interface DeployedStackSet {
  stackSetName: string;
  permissionModel: string;
  template: StackTemplate['template'];
  /** OU or root ids the instances go to (service-managed), and their regions. */
  organizationalUnitIds: string[];
  regions: string[];
  /** Whether accounts that join a target OU later get an instance (`AutoDeployment.Enabled`). */
  autoDeployment: boolean;
}

export interface StackDeployment {
  stackName: string;
  account: string;
  region: string;
  roles: DeployedRole[];
  functions: DeployedFunction[];
  stateMachines: DeployedStateMachine[];
  tables: DeployedTable[];
  buckets: DeployedBucket[];
  keys: DeployedKey[];
  topics: DeployedTopic[];
  busPolicies: DeployedBusPolicy[];
  rules: DeployedRule[];
  schedules: DeployedSchedule[];
  permissions: DeployedPermission[];
  secrets: DeployedSecret[];
  stackSets: DeployedStackSet[];
  outputs: Record<string, string>;
}

const TASK_ROLE = /^WardenTask-([A-Z][A-Za-z0-9]+)$/;

/** Reads a stack's template as deployed with `context` (account, region, parameters). */
export function readStack(
  stack: StackTemplate,
  context: Omit<ResolveContext, 'stackName' | 'account' | 'region'> & {
    account?: string;
    region?: string;
  } = {},
): StackDeployment {
  const t = new ResolvedTemplate(stack.template, {
    ...context,
    stackName: stack.stackName,
    account: context.account ?? stack.account,
    region: context.region ?? stack.region,
  });
  const { account, region } = t.context;
  const props = (r: CfnResource): Record<string, CfnValue> => r.Properties ?? {};
  const refersTo = (value: CfnValue): string | undefined => value?.Ref ?? value?.['Fn::GetAtt']?.[0];

  const attached = new Map<string, Record<string, PolicyDocument>>();
  for (const [, policy] of t.resources('AWS::IAM::Policy')) {
    const p = props(policy);
    for (const role of p.Roles ?? []) {
      const roleId = refersTo(role);
      if (!roleId)
        throw new UnresolvableTemplateError(`${stack.stackName}: a policy names a role outside the stack`);
      const policies = attached.get(roleId) ?? {};
      policies[String(t.resolve(p.PolicyName))] = t.resolve(p.PolicyDocument);
      attached.set(roleId, policies);
    }
  }
  const roles: DeployedRole[] = t.resources('AWS::IAM::Role').map(([logicalId, role]) => {
    const p = props(role);
    const physical = t.physicalOf(logicalId);
    const inline = Object.fromEntries(
      (p.Policies ?? []).map((policy: CfnValue) => [
        String(t.resolve(policy.PolicyName)),
        t.resolve(policy.PolicyDocument),
      ]),
    );
    return {
      logicalId,
      account,
      roleName: physical.ref,
      arn: physical.attributes.Arn!,
      trustPolicy: t.resolve(p.AssumeRolePolicyDocument),
      inlinePolicies: { ...inline, ...attached.get(logicalId) },
      managedPolicyArns: (t.resolve(p.ManagedPolicyArns ?? []) as string[]).map(String),
      ...(p.Path ? { path: String(t.resolve(p.Path)) } : {}),
      ...(p.MaxSessionDuration ? { maxSessionDuration: Number(t.resolve(p.MaxSessionDuration)) } : {}),
    };
  });
  const roleById = new Map(roles.map((r) => [r.logicalId, r]));

  const functions: DeployedFunction[] = t.resources('AWS::Lambda::Function').map(([logicalId, fn]) => {
    const p = props(fn);
    const roleLogicalId = refersTo(p.Role);
    const role = roleLogicalId ? roleById.get(roleLogicalId) : undefined;
    if (!role)
      throw new UnresolvableTemplateError(
        `${stack.stackName}: function ${logicalId} has no role in the stack`,
      );
    const physical = t.physicalOf(logicalId);
    const environment = t.resolve(p.Environment?.Variables ?? {}) as Record<string, unknown>;
    return {
      logicalId,
      functionName: physical.ref,
      arn: physical.attributes.Arn!,
      taskId: TASK_ROLE.exec(role.roleName)?.[1],
      roleLogicalId: role.logicalId,
      roleName: role.roleName,
      environment: Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v)])),
      timeoutSeconds: Number(p.Timeout ?? 3),
    };
  });

  const stateMachines: DeployedStateMachine[] = t
    .resources('AWS::StepFunctions::StateMachine')
    .map(([logicalId, machine]) => {
      const p = props(machine);
      const physical = t.physicalOf(logicalId);
      const substitutions = t.resolve(p.DefinitionSubstitutions ?? {}) as Record<string, string>;
      const text = String(t.resolve(p.DefinitionString));
      // Step Functions replaces each `${Name}` with its substitution; a name without one stays.
      const substituted = text.replace(/\$\{([^}]+)\}/g, (match, name: string) =>
        name in substitutions ? String(substitutions[name]) : match,
      );
      const roleId = refersTo(p.RoleArn);
      return {
        logicalId,
        name: physical.attributes.Name!,
        arn: physical.ref,
        definition: JSON.parse(substituted),
        roleName: roleId ? t.physicalOf(roleId).ref : String(t.resolve(p.RoleArn)),
      };
    });

  const tables: DeployedTable[] = t.resources('AWS::DynamoDB::Table').map(([logicalId, table]) => {
    const p = t.resolve(props(table));
    const physical = t.physicalOf(logicalId);
    return {
      logicalId,
      tableName: physical.ref,
      arn: physical.attributes.Arn!,
      keySchema: p.KeySchema,
      attributeDefinitions: p.AttributeDefinitions,
      globalSecondaryIndexes: p.GlobalSecondaryIndexes ?? [],
      timeToLiveAttribute: p.TimeToLiveSpecification?.Enabled
        ? p.TimeToLiveSpecification.AttributeName
        : undefined,
    };
  });

  const bucketPolicies = new Map<string, PolicyDocument>();
  for (const [, policy] of t.resources('AWS::S3::BucketPolicy')) {
    const p = props(policy);
    const bucketId = refersTo(p.Bucket);
    if (bucketId) bucketPolicies.set(bucketId, t.resolve(p.PolicyDocument));
  }
  const buckets: DeployedBucket[] = t.resources('AWS::S3::Bucket').map(([logicalId, bucket]) => {
    const physical = t.physicalOf(logicalId);
    const encryption =
      props(bucket).BucketEncryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
    return {
      logicalId,
      bucketName: physical.ref,
      arn: physical.attributes.Arn!,
      policy: bucketPolicies.get(logicalId),
      kmsKeyArn: encryption?.KMSMasterKeyID ? String(t.resolve(encryption.KMSMasterKeyID)) : undefined,
    };
  });

  const keys: DeployedKey[] = t.resources('AWS::KMS::Key').map(([logicalId, key]) => {
    const physical = t.physicalOf(logicalId);
    return {
      logicalId,
      keyId: physical.ref,
      arn: physical.attributes.Arn!,
      policy: t.resolve(props(key).KeyPolicy),
    };
  });

  const topicPolicies = new Map<string, PolicyDocument>();
  for (const [, policy] of t.resources('AWS::SNS::TopicPolicy')) {
    const p = props(policy);
    for (const topic of p.Topics ?? []) {
      const topicId = refersTo(topic);
      if (topicId) topicPolicies.set(topicId, t.resolve(p.PolicyDocument));
    }
  }
  const topics: DeployedTopic[] = t.resources('AWS::SNS::Topic').map(([logicalId, topic]) => {
    const physical = t.physicalOf(logicalId);
    const keyId = props(topic).KmsMasterKeyId;
    return {
      logicalId,
      topicName: physical.attributes.TopicName!,
      arn: physical.ref,
      policy: topicPolicies.get(logicalId),
      kmsKeyArn: keyId ? String(t.resolve(keyId)) : undefined,
    };
  });

  const busPolicies: DeployedBusPolicy[] = t.resources('AWS::Events::EventBusPolicy').map(([, policy]) => {
    const p = t.resolve(props(policy));
    return { eventBusName: p.EventBusName ?? 'default', statementId: p.StatementId, statement: p.Statement };
  });

  const rules: DeployedRule[] = t.resources('AWS::Events::Rule').map(([logicalId, rule]) => {
    const p = props(rule);
    const physical = t.physicalOf(logicalId);
    return {
      logicalId,
      ruleName: physical.ref,
      arn: physical.attributes.Arn!,
      eventBusName: String(t.resolve(p.EventBusName ?? 'default')),
      eventPattern: p.EventPattern === undefined ? undefined : t.resolve(p.EventPattern),
      targets: (p.Targets ?? []).map((target: CfnValue) => ({
        id: String(target.Id),
        arn: String(t.resolve(target.Arn)),
        roleArn: target.RoleArn ? String(t.resolve(target.RoleArn)) : undefined,
      })),
    };
  });

  const schedules: DeployedSchedule[] = t
    .resources('AWS::Scheduler::Schedule')
    .map(([logicalId, schedule]) => {
      const p = props(schedule);
      const scheduleName = String(t.resolve(p.Name ?? t.physicalOf(logicalId).ref));
      const group = String(t.resolve(p.GroupName ?? 'default'));
      return {
        logicalId,
        scheduleName,
        arn: `arn:aws:scheduler:${region}:${account}:schedule/${group}/${scheduleName}`,
        groupArn: `arn:aws:scheduler:${region}:${account}:schedule-group/${group}`,
        expression: String(t.resolve(p.ScheduleExpression)),
        targetArn: String(t.resolve(p.Target?.Arn)),
        roleArn: String(t.resolve(p.Target?.RoleArn)),
        ...(p.Target?.Input !== undefined ? { input: String(t.resolve(p.Target.Input)) } : {}),
      };
    });

  const permissions: DeployedPermission[] = t
    .resources('AWS::Lambda::Permission')
    .map(([logicalId, permission]) => {
      const p = t.resolve(props(permission));
      const fnId = refersTo(props(permission).FunctionName);
      const functionArn = fnId ? t.physicalOf(fnId).attributes.Arn! : String(p.FunctionName);
      return {
        logicalId,
        functionArn,
        action: String(p.Action),
        principal: String(p.Principal),
        ...(p.SourceArn ? { sourceArn: String(p.SourceArn) } : {}),
        ...(p.SourceAccount ? { sourceAccount: String(p.SourceAccount) } : {}),
      };
    });

  const secrets: DeployedSecret[] = t.resources('AWS::SecretsManager::Secret').map(([logicalId, secret]) => {
    const p = t.resolve(props(secret)) as {
      SecretString?: string;
      GenerateSecretString?: DeployedSecret['generate'];
    };
    return {
      logicalId,
      arn: t.physicalOf(logicalId).ref,
      ...(p.SecretString !== undefined ? { secretString: String(p.SecretString) } : {}),
      ...(p.GenerateSecretString ? { generate: p.GenerateSecretString } : {}),
    };
  });

  const stackSets: DeployedStackSet[] = t.resources('AWS::CloudFormation::StackSet').map(([, set]) => {
    const p = props(set);
    const groups = (p.StackInstancesGroup ?? []) as CfnValue[];
    return {
      stackSetName: String(t.resolve(p.StackSetName)),
      permissionModel: String(p.PermissionModel),
      template: JSON.parse(String(t.resolve(p.TemplateBody))),
      organizationalUnitIds: groups.flatMap(
        (g) => t.resolve(g.DeploymentTargets?.OrganizationalUnitIds ?? []) as string[],
      ),
      regions: [...new Set(groups.flatMap((g) => t.resolve(g.Regions) as string[]))],
      autoDeployment: t.resolve(p.AutoDeployment?.Enabled) === true,
    };
  });

  const outputs = Object.fromEntries(
    Object.entries(stack.template.Outputs ?? {}).map(([name, output]) => [
      name,
      String(t.resolve(output.Value)),
    ]),
  );

  return {
    stackName: stack.stackName,
    account,
    region,
    roles,
    functions,
    stateMachines,
    tables,
    buckets,
    keys,
    topics,
    busPolicies,
    rules,
    schedules,
    permissions,
    secrets,
    stackSets,
    outputs,
  };
}
