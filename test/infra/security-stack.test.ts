import { isDeepStrictEqual } from 'node:util';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { WardenConfig } from '../../config/schema';
import { resourceTypesOf } from '../../infra/action-resources';
import { type DeployedTask, deployedFunctions } from '../../infra/task-catalog';
import { TRIGGERED_FUNCTIONS } from '../../infra/triggers';
import { recordOrganizationEventTask as ACCOUNT_LIST_INTAKE } from '../../tasks/accounts/record-organization-event';
import { approvalPageFunction as APPROVAL_PAGE } from '../../tasks/approval/lambda';
import { archiveExecutionTask as EXECUTION_ARCHIVER } from '../../tasks/audit/archive-execution';
import { ADMINISTRATOR_DETECTOR } from '../../tasks/guardduty/administrator';
import { ensureAdministratorDetectorTask } from '../../tasks/onboarding/ensure-administrator-detector';
import { startOnboardingTask as ONBOARDING_INTAKE } from '../../tasks/onboarding/start-onboarding';
import { intakeFindingTask as FINDING_INTAKE } from '../../tasks/response/intake';
import { isOptionalVariable, variableNames } from '../../tasks/shared/environment';
import { TABLE_SCHEMAS } from '../../tasks/shared/tables';
import type { WardenTables } from '../../tasks/shared/task';
import {
  APPROVAL_ROUTE_KEYS,
  actionsOf,
  asArray,
  exampleConfig,
  type Json,
  literal,
  nagViolations,
  type PolicyStatementJson,
  referencedId,
  resolveLiterals,
  type Synthesized,
  statementsOfRole,
  synthWarden,
} from './helpers';

/** Schedules that differ from the defaults, so the test proves they come from the config. */
const CONFIG: WardenConfig = exampleConfig({
  onboarding: { sweepSchedule: 'rate(3 hours)', freeTrialSchedule: 'cron(0 8 * * ? *)' },
  response: {
    ...exampleConfig().response,
    reconcileSchedule: 'rate(30 minutes)',
  },
});

let synth: Synthesized;
let template: Template;

beforeAll(() => {
  synth = synthWarden(CONFIG);
  template = Template.fromStack(synth.security);
});

const SECURITY = '222222222222';
const REGION = 'eu-west-1';
/** What the approval function gets on top of the shared environment, with the Cognito user pool. */
const COGNITO_SIGN_IN_VARIABLES = [
  'SESSION_SECRET_ARN',
  'SIGN_IN_AUTHORIZATION_ENDPOINT',
  'SIGN_IN_CALLBACK_URL',
  'SIGN_IN_CLIENT_AUTH',
  'SIGN_IN_CLIENT_ID',
  'SIGN_IN_IDENTITY_CLAIM',
  'SIGN_IN_ISSUER',
  'SIGN_IN_JWKS_URI',
  'SIGN_IN_TOKEN_ENDPOINT',
  'SIGN_IN_USERINFO_ENDPOINT',
];
const stateMachineArn = (name: string) => `arn:aws:states:${REGION}:${SECURITY}:stateMachine:${name}`;

function logicalIdOf(type: string, props: Record<string, unknown>): string {
  const found = Object.keys(template.findResources(type, { Properties: props }));
  if (found.length !== 1)
    throw new Error(`expected one ${type} with ${JSON.stringify(props)}, got ${found.length}`);
  return found[0];
}

/** The function whose role is `WardenTask-<taskId>`, by logical id. */
function functionOf(taskId: string): { id: string; properties: Record<string, Json> } {
  const roleId = logicalIdOf('AWS::IAM::Role', { RoleName: `WardenTask-${taskId}` });
  const entries = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
    ([, fn]) => referencedId(fn.Properties.Role) === roleId,
  );
  if (entries.length !== 1) throw new Error(`expected one function for ${taskId}, got ${entries.length}`);
  return { id: entries[0][0], properties: entries[0][1].Properties };
}

/**
 * The value of a variable, as every function that gets it gets it (they must agree), and which
 * functions get it.
 */
function variable(name: string): { value: Json; functions: string[] } {
  const having = deployedTasks()
    .map((t) => ({ id: t.id, env: functionOf(t.id).properties.Environment?.Variables ?? {} }))
    .filter((f) => name in f.env);
  if (having.length === 0) throw new Error(`no function gets ${name}`);
  for (const f of having) expect({ name, value: f.env[name] }).toEqual({ name, value: having[0]!.env[name] });
  return { value: having[0]!.env[name], functions: having.map((f) => f.id).sort() };
}

/** Logical id of each table, from the variables of the functions that use it. */
function tableIds(): Record<keyof WardenTables, string> {
  return {
    ledger: referencedId(variable('LEDGER_TABLE').value)!,
    approvals: referencedId(variable('APPROVALS_TABLE').value)!,
    findings: referencedId(variable('FINDINGS_TABLE').value)!,
    accounts: referencedId(variable('ACCOUNTS_TABLE').value)!,
  };
}

/** Every deployed function, from its manifest. */
function deployedTasks(): DeployedTask[] {
  return [...deployedFunctions(synth.workflows, TRIGGERED_FUNCTIONS).values()];
}

describe('SecurityStack tables', () => {
  it.each(Object.entries(TABLE_SCHEMAS))('builds the %s table from TABLE_SCHEMAS', (name, schema) => {
    const table = template.toJSON().Resources[tableIds()[name as keyof WardenTables]];
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: schema.partitionKey, KeyType: 'HASH' },
      ...(schema.sortKey ? [{ AttributeName: schema.sortKey, KeyType: 'RANGE' }] : []),
    ]);
    expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true });
    expect(table.Properties.TimeToLiveSpecification).toEqual(
      schema.ttlAttribute ? { AttributeName: schema.ttlAttribute, Enabled: true } : undefined,
    );
    expect(table.DeletionPolicy).toBe('Retain');
  });

  it('protects the ledger, the audit record of every block, from deletion', () => {
    const ledger = template.toJSON().Resources[tableIds().ledger];
    expect(ledger.Properties.DeletionProtectionEnabled).toBe(true);
  });
});

describe('SecurityStack notification topic', () => {
  it('encrypts the topic with a rotating customer managed key that EventBridge may use', () => {
    const topic = Object.values(template.findResources('AWS::SNS::Topic'))[0];
    const keyId = referencedId(topic.Properties.KmsMasterKeyId)!;
    const key = template.toJSON().Resources[keyId];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: ['events.amazonaws.com', 'cloudwatch.amazonaws.com'] },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Condition: { StringEquals: { 'aws:SourceAccount': SECURITY } },
      }),
    );
  });

  it('refuses publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('SecurityStack state machines', () => {
  it('deploys one STANDARD state machine per workflow', () => {
    const names = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map(
      (m) => m.Properties.StateMachineName,
    );
    expect(names.sort()).toEqual(synth.workflows.map((w) => w.stateMachineName).sort());
  });

  it('deploys exactly the ASL the local runtime runs, with every task placeholder bound to the function of that task', () => {
    for (const workflow of synth.workflows) {
      const [machine] = Object.values(
        template.findResources('AWS::StepFunctions::StateMachine', {
          Properties: { StateMachineName: workflow.stateMachineName },
        }),
      );
      // Service integrations are named in the deploying partition (AWS::Partition, which `literal`
      // resolves to aws); in the commercial one the definition is exactly the local runtime's.
      const deployed = JSON.parse(literal(machine.Properties.DefinitionString));
      expect(deployed).toEqual(JSON.parse(JSON.stringify(workflow.build(CONFIG))));
      expect(JSON.stringify(machine.Properties.DefinitionString)).not.toContain('arn:aws:');
      // A workflow without tasks has no substitutions: CloudFormation refuses an empty map.
      const substitutions = (machine.Properties.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
      const placeholders = [...JSON.stringify(deployed).matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]);
      expect(Object.keys(substitutions).sort()).toEqual([...new Set(placeholders)].sort());
      for (const [taskId, value] of Object.entries(substitutions)) {
        expect(value).toEqual({ 'Fn::GetAtt': [functionOf(taskId).id, 'Arn'] });
      }
    }
  });

  it('logs errors without execution data to an encrypted log group, and does not trace by default', () => {
    for (const machine of Object.values(template.findResources('AWS::StepFunctions::StateMachine'))) {
      expect(machine.Properties.StateMachineType).toBe('STANDARD');
      // X-Ray is opt-in (observability.tracing; config-variants.test.ts): traces cost per finding.
      expect(machine.Properties.TracingConfiguration?.Enabled ?? false).toBe(false);
      // The full history, with every input and output, is archived when the execution ends.
      expect(machine.Properties.LoggingConfiguration).toMatchObject({
        Level: 'ERROR',
        IncludeExecutionData: false,
      });
      const logGroupId = referencedId(
        machine.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn,
      )!;
      const logGroup = template.toJSON().Resources[logGroupId];
      expect(logGroup.Properties.KmsKeyId).toBeDefined();
      expect(logGroup.Properties.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('lets each state machine invoke exactly the functions its definition names', () => {
    for (const workflow of synth.workflows) {
      const machineId = logicalIdOf('AWS::StepFunctions::StateMachine', {
        StateMachineName: workflow.stateMachineName,
      });
      const machine = template.toJSON().Resources[machineId];
      const roleId = referencedId(machine.Properties.RoleArn)!;
      const invoke = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: unknown) => referencedId(r) === roleId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as PolicyStatementJson[])
        .filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'));
      const invoked = invoke.flatMap((s) => asArray(s.Resource).map(referencedId)).sort();
      const expected = Object.keys(machine.Properties.DefinitionSubstitutions ?? {})
        .map((taskId) => functionOf(taskId).id)
        .sort();
      expect(invoked).toEqual(expected);
    }
  });
});

describe('SecurityStack functions', () => {
  it('runs every function on Node.js 22 on ARM64 with exactly the variables its manifest declares', () => {
    for (const task of deployedTasks()) {
      const fn = functionOf(task.id).properties;
      expect(fn.Runtime).toBe('nodejs22.x');
      expect(fn.Architectures).toEqual(['arm64']);
      const variables = Object.keys(fn.Environment?.Variables ?? {}).filter((v) => v !== 'NODE_OPTIONS');
      // Only declared variables; every declared variable the function cannot do without.
      const declared = variableNames(task.environment);
      expect({ task: task.id, undeclared: variables.filter((v) => !declared.includes(v)) }).toEqual({
        task: task.id,
        undeclared: [],
      });
      const required = declared.filter((v) => !isOptionalVariable(task.environment, v));
      expect({ task: task.id, missing: required.filter((v) => !variables.includes(v)) }).toEqual({
        task: task.id,
        missing: [],
      });
      if (task.id === APPROVAL_PAGE.id)
        expect(variables).toEqual(expect.arrayContaining(COGNITO_SIGN_IN_VARIABLES));
      // The config is compiled into the bundle, never passed as a variable.
      expect(variables).not.toContain('WARDEN_CONFIG');
    }
  });

  it('gives the findings export only to the functions that create publishing destinations', () => {
    expect(variable('FINDINGS_BUCKET_ARN').functions).toEqual(
      ['EnsureAdministratorDetector', 'ReadFreeTrialDays', 'SweepAccountBatch'].filter((id) =>
        deployedTasks().some((t) => t.id === id),
      ),
    );
    expect(variable('FINDINGS_KMS_KEY_ARN').functions).toEqual(variable('FINDINGS_BUCKET_ARN').functions);
  });

  it("passes the state machines' ARNs by workflow name", () => {
    expect(JSON.parse(literal(variable('STATE_MACHINE_ARNS').value))).toEqual(
      Object.fromEntries(synth.workflows.map((w) => [w.name, stateMachineArn(w.stateMachineName)])),
    );
  });

  it("tells the tasks that export findings the stack's own bucket and key", () => {
    const env = functionOf(ensureAdministratorDetectorTask.id).properties.Environment.Variables;
    const bucket = template.toJSON().Resources[referencedId(env.FINDINGS_BUCKET_ARN)!];
    const key = template.toJSON().Resources[referencedId(env.FINDINGS_KMS_KEY_ARN)!];
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(env.FINDINGS_BUCKET_ARN).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    expect(env.FINDINGS_KMS_KEY_ARN).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
  });
});

describe('SecurityStack IAM scoping', () => {
  const grantServices = new Set(['logs', 'dynamodb']);

  it('grants each function exactly the actions its manifest declares, and nothing else', () => {
    for (const task of deployedTasks()) {
      const statements = statementsOfRole(template, `WardenTask-${task.id}`);
      const actions = actionsOf(statements);
      const declared = new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        ...(task.needs.publish ? ['sns:Publish', 'kms:Decrypt', 'kms:GenerateDataKey*'] : []),
        ...(task.needs.assumeMemberRole ? ['sts:AssumeRole'] : []),
        ...(task.needs.taskCallbacks
          ? ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']
          : []),
        ...(task.needs.actions ?? []),
        ...(task.needs.writeArchive ? ['s3:PutObject', 'kms:GenerateDataKey', 'kms:Decrypt'] : []),
        ...(task.needs.secrets?.approvalSession
          ? ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']
          : []),
      ]);
      const granted = [...actions].filter(
        (a) => !grantServices.has(a.split(':')[0]) || a.startsWith('logs:'),
      );
      expect({ task: task.id, actions: granted.sort() }).toEqual({
        task: task.id,
        actions: [...declared].sort(),
      });
      const usesDynamo = [...actions].some((a) => a.startsWith('dynamodb:'));
      expect({ task: task.id, dynamodb: usesDynamo }).toEqual({
        task: task.id,
        dynamodb: Object.keys(task.needs.tables ?? {}).length > 0,
      });
    }
  });

  it('lets the finding intake describe the responses it starts, to extend or repeat a block', () => {
    const actions = actionsOf(statementsOfRole(template, `WardenTask-${FINDING_INTAKE.id}`));
    expect(actions.has('states:StartExecution')).toBe(true);
    expect(actions.has('states:DescribeExecution')).toBe(true);
  });

  it("lets the drift sweep and the free-trial watch make every call of the administrator's detector check", () => {
    for (const id of ['SweepAccountBatch', 'ReadFreeTrialDays']) {
      const actions = actionsOf(statementsOfRole(template, `WardenTask-${id}`));
      for (const action of ADMINISTRATOR_DETECTOR.actions) {
        expect({ id, action, granted: actions.has(action) }).toEqual({ id, action, granted: true });
      }
    }
  });

  it('lets CreateMembers and InviteMembers read member records, which their refusal path does', () => {
    for (const id of ['CreateMembers', 'InviteMembers']) {
      const actions = actionsOf(statementsOfRole(template, `WardenTask-${id}`));
      expect({ id, getMembers: actions.has('guardduty:GetMembers') }).toEqual({ id, getMembers: true });
    }
  });

  it('grants no DynamoDB Streams reads, which act on stream ARNs only and which no task makes', () => {
    for (const task of deployedTasks()) {
      const actions = actionsOf(statementsOfRole(template, `WardenTask-${task.id}`));
      const streams = ['dynamodb:GetRecords', 'dynamodb:GetShardIterator'].filter((a) => actions.has(a));
      expect({ task: task.id, streams }).toEqual({ task: task.id, streams: [] });
    }
  });

  it('scopes DynamoDB access to the declared tables, read-only where only reading is declared', () => {
    const ids = tableIds();
    const writeActions = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ];
    for (const task of deployedTasks()) {
      const dynamo = statementsOfRole(template, `WardenTask-${task.id}`).filter((s) =>
        asArray(s.Action).some((a) => a.startsWith('dynamodb:')),
      );
      const touched = new Set(dynamo.flatMap((s) => asArray(s.Resource).map(referencedId)));
      const declared = task.needs.tables ?? {};
      expect([...touched].sort()).toEqual(
        Object.keys(declared)
          .map((t) => ids[t as keyof WardenTables])
          .sort(),
      );
      for (const [table, access] of Object.entries(declared)) {
        const onTable = dynamo.filter((s) =>
          asArray(s.Resource).some((r) => referencedId(r) === ids[table as keyof WardenTables]),
        );
        const canWrite = onTable.some((s) => asArray(s.Action).some((a) => writeActions.includes(a)));
        expect({ task: task.id, table, canWrite }).toEqual({
          task: task.id,
          table,
          canWrite: access === 'write',
        });
      }
    }
  });

  it('allows states:SendTask* on *, for which the reference lists no resource type, only to the approval page', () => {
    const callbacks = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      (p.Properties.PolicyDocument.Statement as PolicyStatementJson[]).some((s) =>
        asArray(s.Action).some((a) => a.startsWith('states:SendTask')),
      ),
    );
    const pageRole = logicalIdOf('AWS::IAM::Role', { RoleName: `WardenTask-${APPROVAL_PAGE.id}` });
    expect(callbacks.flatMap((p) => p.Properties.Roles.map(referencedId))).toEqual([pageRole]);
    const statements = (callbacks[0]!.Properties.PolicyDocument.Statement as PolicyStatementJson[]).filter(
      (s) => asArray(s.Action).some((a) => a.startsWith('states:SendTask')),
    );
    expect(statements.map((s) => s.Resource)).toEqual(['*']);
  });

  it('starts and reads executions only of Warden state machines', () => {
    const warden = synth.workflows.map((w) => stateMachineArn(w.stateMachineName)).sort();
    const executions = synth.workflows
      .map((w) => `arn:aws:states:${REGION}:${SECURITY}:execution:${w.stateMachineName}:*`)
      .sort();
    const statements = deployedTasks().flatMap((t) => statementsOfRole(template, `WardenTask-${t.id}`));
    const starts = statements.filter((s) => asArray(s.Action).includes('states:StartExecution'));
    const reads = statements.filter((s) => asArray(s.Action).includes('states:DescribeExecution'));
    expect(starts.length).toBeGreaterThan(0);
    expect(reads.length).toBeGreaterThan(0);
    for (const s of starts) expect(asArray(s.Resource).map(literal).sort()).toEqual(warden);
    for (const s of reads) expect(asArray(s.Resource).map(literal).sort()).toEqual(executions);
  });

  it('lets only tasks that declare assumeMemberRole assume the member role, by its name', () => {
    for (const task of deployedTasks()) {
      const assume = statementsOfRole(template, `WardenTask-${task.id}`).filter((s) =>
        asArray(s.Action).includes('sts:AssumeRole'),
      );
      if (!task.needs.assumeMemberRole) {
        expect({ task: task.id, assume }).toEqual({ task: task.id, assume: [] });
        continue;
      }
      expect(assume.map((s) => asArray(s.Resource).map(literal))).toEqual([
        ['arn:aws:iam::*:role/WardenMemberRole'],
      ]);
      expect(assume[0]!.Condition).toEqual({
        StringEquals: { 'aws:ResourceOrgID': CONFIG.organization.organizationId },
      });
    }
  });

  it('never grants a wildcard action', () => {
    const statements = [
      ...Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
        (p) => p.Properties.PolicyDocument.Statement as PolicyStatementJson[],
      ),
      ...Object.values(template.findResources('AWS::IAM::Role')).flatMap((r) =>
        (r.Properties.Policies ?? []).flatMap(
          (p: { PolicyDocument: { Statement: PolicyStatementJson[] } }) => p.PolicyDocument.Statement,
        ),
      ),
    ];
    const wildcards = [...actionsOf(statements)].filter((a) => a === '*' || a.endsWith(':*'));
    expect(wildcards).toEqual([]);
  });

  it('grants each GuardDuty action on the resource type the Service Authorization Reference lists, or * where it lists none', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as PolicyStatementJson[],
    );
    const detectors = CONFIG.organization.regions.map((r) => `arn:aws:guardduty:${r}:${SECURITY}:detector/*`);
    const granted = new Map<string, string[]>();
    for (const s of statements) {
      for (const action of asArray(s.Action).filter((a) => a.startsWith('guardduty:'))) {
        granted.set(action, asArray(s.Resource).map(literal));
      }
    }
    // From the reference: these list no resource type; GetDetector and UpdateDetector list a detector.
    for (const action of [
      'guardduty:CreateMembers',
      'guardduty:InviteMembers',
      'guardduty:GetMembers',
      'guardduty:CreatePublishingDestination',
      'guardduty:ListPublishingDestinations',
      'guardduty:GetRemainingFreeTrialDays',
      'guardduty:ListDetectors',
    ]) {
      expect({ action, resources: granted.get(action) }).toEqual({ action, resources: ['*'] });
    }
    for (const [action, resources] of granted) {
      const types = resourceTypesOf(action);
      expect({ action, resources }).toEqual({ action, resources: types.length === 0 ? ['*'] : detectors });
    }
  });
});

describe('SecurityStack event rules', () => {
  function ruleWithPattern(pattern: unknown): Record<string, Json> {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((r) =>
      isDeepStrictEqual(resolveLiterals(r.Properties.EventPattern), pattern),
    );
    expect(rules).toHaveLength(1);
    return rules[0].Properties;
  }

  it('sends every GuardDuty finding to the finding intake, with a dead-letter queue', () => {
    const rule = ruleWithPattern({ source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] });
    expect(rule.Targets).toHaveLength(1);
    expect(referencedId(rule.Targets[0].Arn)).toBe(functionOf(FINDING_INTAKE.id).id);
    expect(rule.Targets[0].DeadLetterConfig).toBeDefined();
  });

  it('sends Control Tower lifecycle events from the management account to the onboarding intake', () => {
    const rule = ruleWithPattern({
      source: ['aws.controltower'],
      'detail-type': ['AWS Service Event via CloudTrail'],
      account: ['111111111111'],
      detail: { eventName: ['CreateManagedAccount', 'UpdateManagedAccount'] },
    });
    expect(rule.Targets).toHaveLength(1);
    expect(referencedId(rule.Targets[0].Arn)).toBe(functionOf(ONBOARDING_INTAKE.id).id);
    // The intake passes the event on unchanged; the workflow's first task reads it.
    expect(rule.Targets[0].Input).toBeUndefined();
    expect(rule.Targets[0].InputTransformer).toBeUndefined();
  });

  it('lets the onboarding intake start the onboarding state machine, and no rule start it directly', () => {
    const onboarding = synth.workflows.find((w) => w.name === 'onboarding')!;
    const starts = statementsOfRole(template, `WardenTask-${ONBOARDING_INTAKE.id}`).filter((s) =>
      asArray(s.Action).includes('states:StartExecution'),
    );
    expect(starts.flatMap((s) => asArray(s.Resource).map(literal))).toContain(
      stateMachineArn(onboarding.stateMachineName),
    );
    const machineId = logicalIdOf('AWS::StepFunctions::StateMachine', {
      StateMachineName: onboarding.stateMachineName,
    });
    const targetingMachine = Object.values(template.findResources('AWS::Events::Rule')).filter((r) =>
      (r.Properties.Targets ?? []).some((t: Json) => referencedId(t.Arn) === machineId),
    );
    expect(targetingMachine).toEqual([]);
  });

  it("admits only the management account's Control Tower and Organizations events onto the default bus", () => {
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: 'default',
      Statement: {
        Effect: 'Allow',
        Principal: { AWS: Match.anyValue() },
        Action: 'events:PutEvents',
        Resource: Match.anyValue(),
        Condition: {
          'ForAllValues:StringEquals': { 'events:source': ['aws.controltower', 'aws.organizations'] },
        },
      },
    });
    const policy = Object.values(template.findResources('AWS::Events::EventBusPolicy'))[0];
    expect(literal(policy.Properties.Statement.Resource)).toBe(
      `arn:aws:events:${REGION}:${SECURITY}:event-bus/default`,
    );
    expect(literal(policy.Properties.Statement.Principal.AWS)).toBe('arn:aws:iam::111111111111:root');
  });

  it("sends the management account's Organizations account events to the account list intake", () => {
    const rule = ruleWithPattern({
      source: ['aws.organizations'],
      'detail-type': ['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail'],
      account: ['111111111111'],
      detail: {
        eventSource: ['organizations.amazonaws.com'],
        eventName: ['CreateAccountResult', 'AcceptHandshake', 'MoveAccount', 'RemoveAccountFromOrganization'],
      },
    });
    expect(referencedId(rule.Targets[0].Arn)).toBe(functionOf(ACCOUNT_LIST_INTAKE.id).id);
  });

  it("archives every finished execution of Warden's state machines and nothing else", () => {
    const rule = ruleWithPattern({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: {
        status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
        stateMachineArn: synth.workflows.map((w) => stateMachineArn(w.stateMachineName)),
      },
    });
    expect(referencedId(rule.Targets[0].Arn)).toBe(functionOf(EXECUTION_ARCHIVER.id).id);
  });
});

describe('SecurityStack schedules', () => {
  it.each([
    ['sweep', 'rate(3 hours)'],
    ['free-trial', 'cron(0 8 * * ? *)'],
    ['reconcile', 'rate(30 minutes)'],
  ])('starts the %s workflow on the schedule from the config (%s)', (name, expression) => {
    const workflow = synth.workflows.find((w) => w.name === name)!;
    const machineId = logicalIdOf('AWS::StepFunctions::StateMachine', {
      StateMachineName: workflow.stateMachineName,
    });
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).filter(
      (s) => referencedId(s.Properties.Target.Arn) === machineId,
    );
    expect(schedules).toHaveLength(1);
    expect(schedules[0].Properties.ScheduleExpression).toBe(expression);
    expect(schedules[0].Properties.State).toBe('ENABLED');
    expect(JSON.parse(schedules[0].Properties.Target.Input)).toEqual({
      trigger: 'schedule',
      scheduledAt: '<aws.scheduler.scheduled-time>',
    });
  });

  it('schedules nothing else', () => {
    expect(Object.keys(template.findResources('AWS::Scheduler::Schedule'))).toHaveLength(3);
  });
});

describe('SecurityStack approval API (Cognito)', () => {
  it('routes the approval page and the sign-in routes to the approval function, with no API Gateway authorizer', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(APPROVAL_ROUTE_KEYS);
    const page = functionOf(APPROVAL_PAGE.id).id;
    for (const route of routes) {
      // Links from e-mail carry no bearer token: the function authenticates (OIDC code flow).
      expect([undefined, 'NONE']).toContain(route.Properties.AuthorizationType);
      expect(route.Properties.AuthorizerId).toBeUndefined();
      const [, parts] = route.Properties.Target['Fn::Join'];
      expect(parts[0]).toBe('integrations/');
      const integration = template.toJSON().Resources[referencedId(parts[1])!];
      expect(referencedId(integration.Properties.IntegrationUri)).toBe(page);
    }
    expect(Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))).toEqual([]);
    const integrations = Object.values(template.findResources('AWS::ApiGatewayV2::Integration'));
    expect(integrations).toHaveLength(1);
    expect(referencedId(integrations[0].Properties.IntegrationUri)).toBe(page);
  });

  it('lets the approval page client sign in with the code flow, back to <api>/auth/callback only', () => {
    const apiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0];
    const [client] = Object.values(
      template.findResources('AWS::Cognito::UserPoolClient', {
        Properties: { ClientName: 'warden-approval-page' },
      }),
    );
    expect(client.Properties.AllowedOAuthFlows).toEqual(['code']);
    expect(client.Properties.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(client.Properties.AllowedOAuthScopes.sort()).toEqual(['email', 'openid', 'profile']);
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(client.Properties.SupportedIdentityProviders).toEqual(['COGNITO']);
    expect(client.Properties.CallbackURLs).toHaveLength(1);
    const callback = JSON.stringify(client.Properties.CallbackURLs[0]);
    expect(callback).toContain(apiId);
    expect(callback).toMatch(/\/auth\/callback"\]\]\}$/);
  });

  it("tells the approval function the user pool's issuer, its client and the hosted domain's endpoints", () => {
    const env = functionOf(APPROVAL_PAGE.id).properties.Environment.Variables;
    const pool = logicalIdOf('AWS::Cognito::UserPool', { UserPoolName: 'warden-approvers' });
    const client = logicalIdOf('AWS::Cognito::UserPoolClient', { ClientName: 'warden-approval-page' });
    const domain = Object.keys(template.findResources('AWS::Cognito::UserPoolDomain'))[0]!;
    expect(env.SIGN_IN_ISSUER).toEqual({
      'Fn::Join': ['', [`https://cognito-idp.${REGION}.`, { Ref: 'AWS::URLSuffix' }, '/', { Ref: pool }]],
    });
    expect(referencedId(env.SIGN_IN_CLIENT_ID)).toBe(client);
    expect(JSON.stringify(env.SIGN_IN_AUTHORIZATION_ENDPOINT)).toContain(domain);
    expect(JSON.stringify(env.SIGN_IN_AUTHORIZATION_ENDPOINT)).toMatch(/\/oauth2\/authorize"\]\]\}$/);
    expect(JSON.stringify(env.SIGN_IN_TOKEN_ENDPOINT)).toMatch(/\/oauth2\/token"\]\]\}$/);
    expect(JSON.stringify(env.SIGN_IN_JWKS_URI)).toMatch(/\/\.well-known\/jwks\.json"\]\]\}$/);
    const [apiClient] = Object.values(
      template.findResources('AWS::Cognito::UserPoolClient', {
        Properties: { ClientName: 'warden-approval-page' },
      }),
    );
    expect(env.SIGN_IN_CALLBACK_URL).toEqual(apiClient.Properties.CallbackURLs[0]);
  });

  it('keeps the session key in a generated secret that only the approval function can read', () => {
    const env = functionOf(APPROVAL_PAGE.id).properties.Environment.Variables;
    const secretId = referencedId(env.SESSION_SECRET_ARN)!;
    const secret = template.toJSON().Resources[secretId];
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 64 });

    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      (p.Properties.PolicyDocument.Statement as PolicyStatementJson[]).some(
        (s) =>
          asArray(s.Action).includes('secretsmanager:GetSecretValue') &&
          asArray(s.Resource).some((r) => referencedId(r) === secretId),
      ),
    );
    const pageRole = logicalIdOf('AWS::IAM::Role', { RoleName: `WardenTask-${APPROVAL_PAGE.id}` });
    expect(readers.flatMap((p) => p.Properties.Roles.map(referencedId))).toEqual([pageRole]);

    const [policy] = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy')).filter(
      (p) => referencedId(p.Properties.SecretId) === secretId,
    );
    expect(policy.Properties.ResourcePolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'secretsmanager:GetSecretValue',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [pageRole, 'Arn'] } } },
      }),
    );
  });

  it('lets no one sign up, requires MFA and uses a hosted domain prefix derived from the account', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolName: 'warden-approvers',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: `warden-approvals-${SECURITY}`,
    });
  });

  it('logs access and throttles the stage', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
  });

  it('gives the tasks that link to approvals the approval base URL of this API', () => {
    const env = { APPROVAL_BASE_URL: variable('APPROVAL_BASE_URL').value };
    const apiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0];
    expect(JSON.stringify(env.APPROVAL_BASE_URL)).toContain(apiId);
    expect(JSON.stringify(env.APPROVAL_BASE_URL)).toMatch(/\/approvals"\]\]\}$/);
  });
});

describe('SecurityStack buckets', () => {
  function bucketReferencedBy(name: string): Record<string, Json> {
    return template.toJSON().Resources[referencedId(variable(name).value)!].Properties;
  }

  it('keeps archived histories encrypted, versioned, private, logged and for the configured retention', () => {
    const archive = bucketReferencedBy('ARCHIVE_BUCKET');
    expect(
      archive.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: expect.anything(),
    });
    expect(archive.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(archive.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(archive.LoggingConfiguration.DestinationBucketName).toBeDefined();
    expect(archive.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(CONFIG.audit.archiveRetentionDays);
    expect(archive.ObjectLockEnabled).toBeUndefined();
  });

  it('lets GuardDuty write findings only for our detectors, only encrypted with the export key', () => {
    const env = functionOf(ensureAdministratorDetectorTask.id).properties.Environment.Variables;
    const bucketId = referencedId(env.FINDINGS_BUCKET_ARN)!;
    const keyId = referencedId(env.FINDINGS_KMS_KEY_ARN)!;
    const detectors = CONFIG.organization.regions.map((r) => `arn:aws:guardduty:${r}:${SECURITY}:detector/*`);
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find(
      (p) => referencedId(p.Properties.Bucket) === bucketId,
    )!;
    const statements = policy.Properties.PolicyDocument.Statement as PolicyStatementJson[];
    const byGuardDuty = statements.filter(
      (s) =>
        JSON.stringify((s as unknown as { Principal: unknown }).Principal) ===
        '{"Service":"guardduty.amazonaws.com"}',
    );
    const allows = byGuardDuty.filter((s) => s.Effect === 'Allow');
    expect(allows.map((s) => s.Action).sort()).toEqual(['s3:GetBucketLocation', 's3:PutObject']);
    for (const allow of allows) {
      expect(resolveLiterals(allow.Condition)).toEqual({
        StringEquals: { 'aws:SourceAccount': SECURITY },
        ArnLike: { 'aws:SourceArn': detectors },
      });
    }
    const denies = byGuardDuty.filter((s) => s.Effect === 'Deny');
    expect(denies.map((s) => Object.keys(s.Condition!.StringNotEquals)[0]).sort()).toEqual([
      's3:x-amz-server-side-encryption',
      's3:x-amz-server-side-encryption-aws-kms-key-id',
    ]);
    const key = template.toJSON().Resources[keyId].Properties;
    expect(resolveLiterals(key.KeyPolicy.Statement)).toContainEqual(
      expect.objectContaining({
        Principal: { Service: 'guardduty.amazonaws.com' },
        Action: 'kms:GenerateDataKey',
        Condition: {
          StringEquals: { 'aws:SourceAccount': SECURITY },
          ArnLike: { 'aws:SourceArn': detectors },
        },
      }),
    );
  });
});

describe('SecurityStack cdk-nag', () => {
  it('has no unacknowledged AwsSolutions error or warning', () => {
    expect(nagViolations(synth.security)).toEqual([]);
  });
});
