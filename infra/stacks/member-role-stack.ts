import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnOutput, DefaultStackSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { WardenConfig } from '../../config/schema';
import { WORKFLOWS, type WorkflowModule } from '../../workflows/index';
import { WardenMemberRole } from '../constructs/member-role';
import { STACK_NAMES } from '../names';
import { deployedFunctions } from '../task-catalog';
import { TRIGGERED_FUNCTIONS } from '../triggers';

export interface MemberRoleStackProps extends StackProps {
  readonly config: WardenConfig;
  /** The workflows deployed with it: their tasks say what the role allows and whom it trusts. @default WORKFLOWS */
  readonly workflows?: readonly WorkflowModule[];
}

/**
 * The template the management account's StackSet deploys into every member account: only the
 * member role. Environment-agnostic, and with no bootstrap version check, because member accounts
 * are not CDK-bootstrapped.
 */
export class MemberRoleStack extends Stack {
  readonly memberRole: WardenMemberRole;

  constructor(scope: Construct, id: string, props: MemberRoleStackProps) {
    super(scope, id, {
      ...props,
      description: 'Warden member role (deployed to member accounts by a service-managed StackSet)',
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
      analyticsReporting: false,
    });
    const tasks = [...deployedFunctions(props.workflows ?? WORKFLOWS, TRIGGERED_FUNCTIONS).values()];
    this.memberRole = new WardenMemberRole(this, 'MemberRole', { config: props.config, tasks });
    new CfnOutput(this, 'MemberRoleArn', { value: this.memberRole.role.roleArn });
  }
}

/**
 * The member role template as a CloudFormation template object, synthesized in a private app so
 * that it never lands in (or overwrites) the main cloud assembly.
 */
export function renderMemberRoleTemplate(
  config: WardenConfig,
  workflows: readonly WorkflowModule[] = WORKFLOWS,
): Record<string, unknown> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'warden-member-role-'));
  try {
    // The management stack's own synthesis validates what CloudFormation sees; skip it here.
    const app = new App({ outdir, autoSynth: false, builtinCloudFormationValidation: false });
    const stack = new MemberRoleStack(app, STACK_NAMES.memberRole, { config, workflows });
    return app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
