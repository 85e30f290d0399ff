import { AUDITED_WORKFLOWS, type WorkflowName } from '../../audit/workflows';
import { UsageError } from './errors';

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
