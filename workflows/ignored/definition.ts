import type { AslDefinition } from '../asl';
import type { WorkflowModule } from '../index';

/**
 * The record of a finding policy ignores: one Succeed state whose execution input is the
 * finding and the triage that says why (rule, severity band, guards, notes). It is a Standard
 * execution like every other decision, so `warden audit`, the archive and the console show it
 * with the rest; being one state, it costs one billed state transition, where routing it
 * through the response workflow's decision cost two.
 */
export const IGNORE_STATE = 'Ignore the finding';

export function buildIgnoredDefinition(): AslDefinition {
  return {
    Comment: 'Warden: record a GuardDuty finding that policy ignores, with the triage that says why',
    StartAt: IGNORE_STATE,
    States: {
      [IGNORE_STATE]: { Type: 'Succeed', Comment: 'Policy says IGNORE; the triage in the input says why.' },
    },
  };
}

export const ignoredWorkflow: WorkflowModule = {
  name: 'ignored',
  stateMachineName: 'warden-ignored',
  description: 'Records a GuardDuty finding that policy ignores, with the triage that says why',
  build: buildIgnoredDefinition,
  tasks: [],
  companionOf: 'response',
};
