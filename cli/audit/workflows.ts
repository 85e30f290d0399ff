import { WORKFLOWS } from '../../workflows/index';
import { UsageError } from './errors';

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

/** `--workflow response,onboarding` → the state machine names, or every workflow when omitted. */
export function selectWorkflows(option: string | undefined): WorkflowName[] {
  if (!option) return [...AUDITED_WORKFLOWS];
  return option.split(',').map((raw) => {
    const wanted = raw.trim();
    const found = AUDITED_WORKFLOWS.find((w) => w.name === wanted || w.stateMachineName === wanted);
    if (!found) {
      throw new UsageError(
        `--workflow must be one of ${AUDITED_WORKFLOWS.map((w) => w.name).join(', ')}, got '${wanted}'`,
      );
    }
    return found;
  });
}
