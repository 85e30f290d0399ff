import type { WardenConfig } from '../config/schema';
import type { TaskDefinition } from '../tasks/shared/task';
import type { AslDefinition } from './asl';
import { freeTrialWorkflow } from './free-trial/definition';
import { onboardingWorkflow } from './onboarding/definition';
import { reconcileWorkflow } from './reconcile/definition';
import { responseWorkflow } from './response/definition';
import { sweepWorkflow } from './sweep/definition';

/**
 * Every workflow Warden deploys and runs locally. The CDK app creates one state machine per
 * entry; the local runtime registers the same definitions; the snapshot test writes each to
 * `workflows/<name>.asl.json`.
 */
export interface WorkflowModule {
  /** Short name: `response`, `onboarding`, ... (also the snapshot file name). */
  name: string;
  /** Deployed state machine name. */
  stateMachineName: string;
  description: string;
  build(config: WardenConfig): AslDefinition;
  tasks: readonly TaskDefinition[];
}

export const WORKFLOWS: WorkflowModule[] = [
  responseWorkflow,
  onboardingWorkflow,
  reconcileWorkflow,
  sweepWorkflow,
  freeTrialWorkflow,
];

/** Whether a selection of workflow names (undefined: every workflow) includes `workflow`. */
export function isSelected(workflow: WorkflowModule, wanted: readonly string[] | undefined): boolean {
  if (!wanted) return true;
  return wanted.includes(workflow.name);
}

export function workflowNamed(name: string): WorkflowModule {
  const found = WORKFLOWS.find((w) => w.name === name);
  if (!found) throw new Error(`no workflow named ${name}; known: ${WORKFLOWS.map((w) => w.name).join(', ')}`);
  return found;
}
