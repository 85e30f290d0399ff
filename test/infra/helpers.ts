import * as path from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../../config/load';
import type { WardenConfig, WardenConfigInput } from '../../config/schema';
import { addWardenStacks, type WardenStacks } from '../../infra/warden';
import type { TaskDefinition, TaskNeeds } from '../../tasks/shared/task';
import exampleConfigJson from '../../warden.config.json';
import { lambdaTask } from '../../workflows/asl';
import { WORKFLOWS, type WorkflowModule } from '../../workflows/index';

/** A synthesized template's JSON: untyped by nature, read by tests that check its meaning. */
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON has no static type
export type Json = any;

export const ECHO_TASK_ENTRY = path.join(__dirname, 'fixtures', 'echo-task.ts');

/**
 * The routes of the approval API, whichever provider signs approvers in: the page, its two
 * decisions, and the sign-in round trip. Sorted, as tests compare them.
 */
export const APPROVAL_ROUTE_KEYS = [
  'GET /approvals/{id}',
  'GET /auth/callback',
  'GET /auth/sign-in',
  'GET /auth/signed-out',
  'POST /approvals/{id}/approve',
  'POST /approvals/{id}/reject',
  'POST /auth/sign-out',
];

/** The example config with some fields replaced (`{ audit: { objectLock: true } }`). */
export function exampleConfig(overrides: Partial<WardenConfigInput> = {}): WardenConfig {
  return parseConfig({ ...(exampleConfigJson as WardenConfigInput), ...overrides }, 'test config');
}

/** A task of a fake workflow: its entry is the echo fixture unless said otherwise. */
export function fakeTask(id: string, needs: TaskNeeds = {}, entry = ECHO_TASK_ENTRY): TaskDefinition {
  return {
    id,
    entry,
    needs,
    input: { safeParse: (v: unknown) => ({ success: true, data: v }) } as never,
    run: async (input: unknown) => input,
  };
}

/** A one-state-per-task workflow, for checking the generic wiring without the real workflows. */
export function fakeWorkflow(name: string, tasks: TaskDefinition[]): WorkflowModule {
  return {
    name,
    stateMachineName: `warden-test-${name}`,
    description: `fake ${name} workflow for the infra tests`,
    tasks,
    build: () => {
      const states: Record<string, ReturnType<typeof lambdaTask>> = {};
      tasks.forEach((task, i) => {
        const last = i === tasks.length - 1;
        states[`Run ${task.id}`] = lambdaTask({
          task: task.id,
          ...(last ? { end: true } : { next: `Run ${tasks[i + 1].id}` }),
        });
      });
      return { Comment: `fake ${name}`, StartAt: `Run ${tasks[0].id}`, States: states };
    },
  };
}

/** Workflows the schedules need, added to the real ones when those do not exist yet. */
export const FAKE_SCHEDULED_WORKFLOWS: WorkflowModule[] = [
  fakeWorkflow('sweep', [fakeTask('FakeSweepStep', { actions: ['guardduty:GetMembers'] })]),
  fakeWorkflow('free-trial', [
    fakeTask('FakeFreeTrialStep', { actions: ['guardduty:GetRemainingFreeTrialDays'] }),
  ]),
  fakeWorkflow('reconcile', [
    fakeTask('FakeReconcileStep', { tables: { ledger: 'write' }, assumeMemberRole: true }),
  ]),
];

/** The real workflows plus fakes for any scheduled workflow not written yet. */
export function workflowsUnderTest(): WorkflowModule[] {
  const names = new Set(WORKFLOWS.map((w) => w.name));
  return [...WORKFLOWS, ...FAKE_SCHEDULED_WORKFLOWS.filter((w) => !names.has(w.name))];
}

export interface Synthesized extends WardenStacks {
  app: App;
  config: WardenConfig;
  workflows: readonly WorkflowModule[];
}

/**
 * CDK's built-in CloudFormation schema validation takes seconds per synthesis and checks syntax
 * that CloudFormation itself checks at deploy; the tests check meaning, and `cdk synth` still runs
 * it.
 */
export const TEST_APP_PROPS = { builtinCloudFormationValidation: false } as const;

/**
 * Warden's stacks with bundling skipped (the standard `aws:cdk:bundling-stacks` context), and
 * without the nag plugin, whose findings the tests read with `nagViolations` instead of failing
 * synthesis.
 */
export function synthWarden(
  config: WardenConfig = exampleConfig(),
  workflows: readonly WorkflowModule[] = workflowsUnderTest(),
): Synthesized {
  const app = new App({ ...TEST_APP_PROPS, context: { 'aws:cdk:bundling-stacks': [] } });
  const stacks = addWardenStacks(app, config, { workflows, nag: false });
  return { app, config, workflows, ...stacks };
}

/** cdk-nag's AWS Solutions findings that no acknowledgement covers, as `rule at path` lines. */
export function nagViolations(stack: Stack): string[] {
  Template.fromStack(stack); // completes synthesis first, as the CLI would
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
  );
}

/** `Fn::GetAtt` / `Ref` of a resource: which logical id it names. */
export function referencedId(value: unknown): string | undefined {
  const v = value as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
  return v?.['Fn::GetAtt']?.[0] ?? v?.Ref;
}

/**
 * Resolves a synthesized string that may be an `Fn::Join` of literal parts and pseudo parameters
 * (the partition is `aws` in these tests).
 */
export function literal(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string };
  if (v?.Ref === 'AWS::Partition') return 'aws';
  if (v?.['Fn::Join']) return v['Fn::Join'][1].map(literal).join(v['Fn::Join'][0]);
  throw new Error(`not a literal: ${JSON.stringify(value)}`);
}

/** Replaces every literal-only `Fn::Join` (and the partition) in a JSON value by its string. */
export function resolveLiterals<T>(value: T): T {
  if (Array.isArray(value)) return value.map(resolveLiterals) as T;
  if (typeof value === 'object' && value !== null) {
    try {
      return literal(value) as T;
    } catch {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveLiterals(v)])) as T;
    }
  }
  return value;
}

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Every statement of every policy attached to the role with this name (inline and AWS::IAM::Policy). */
export function statementsOfRole(template: Template, roleName: string): PolicyStatementJson[] {
  const roles = template.findResources('AWS::IAM::Role', { Properties: { RoleName: roleName } });
  const [logicalId] = Object.keys(roles);
  if (!logicalId) throw new Error(`no role named ${roleName}`);
  const inline = (roles[logicalId].Properties.Policies ?? []).flatMap(
    (p: { PolicyDocument: { Statement: PolicyStatementJson[] } }) => p.PolicyDocument.Statement,
  );
  const attached = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => referencedId(r) === logicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
  return [...inline, ...attached];
}

export function actionsOf(statements: PolicyStatementJson[]): Set<string> {
  return new Set(statements.flatMap((s) => asArray(s.Action)));
}
