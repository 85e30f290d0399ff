import { DECISIONS_WORKFLOW } from '../../audit/story-decision';
import { AUDITED_WORKFLOWS, type WorkflowName } from '../../audit/workflows';
import { UsageError } from './errors';

/**
 * `--workflow response,onboarding` → the state machine names, or every workflow when omitted.
 * `ignored` names the decision records of ignored findings, which have no state machine: it is
 * accepted and left out of the state machines (see wantsDecisions).
 */
export function selectWorkflows(option: string | undefined): WorkflowName[] {
  if (!option) return [...AUDITED_WORKFLOWS];
  return names(option).flatMap((wanted) => {
    if (wanted === DECISIONS_WORKFLOW) return [];
    const found = AUDITED_WORKFLOWS.find((w) => w.name === wanted || w.stateMachineName === wanted);
    if (!found) {
      throw new UsageError(
        `--workflow must be one of ${[...AUDITED_WORKFLOWS.map((w) => w.name), DECISIONS_WORKFLOW].join(', ')}, got '${wanted}'`,
      );
    }
    return [found];
  });
}

/** Whether `--workflow` asks for the decision records of ignored findings (omitted: yes). */
export function wantsDecisions(option: string | undefined): boolean {
  return !option || names(option).includes(DECISIONS_WORKFLOW);
}

function names(option: string): string[] {
  return option.split(',').map((raw) => raw.trim());
}
