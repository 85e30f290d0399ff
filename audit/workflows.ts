import { WORKFLOWS } from '../workflows/index';

/** Warden's workflows as the audit names them: short name ⇄ deployed state machine name. */
export interface WorkflowName {
  name: string;
  stateMachineName: string;
}

export const AUDITED_WORKFLOWS: readonly WorkflowName[] = WORKFLOWS.map((w) => ({
  name: w.name,
  stateMachineName: w.stateMachineName,
}));

/** `warden-response` → `response`; a state machine that is not Warden's keeps its own name. */
export function workflowOf(stateMachineName: string): string {
  return AUDITED_WORKFLOWS.find((w) => w.stateMachineName === stateMachineName)?.name ?? stateMachineName;
}
