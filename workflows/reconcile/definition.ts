import { reconcileBlocksTask } from '../../tasks/response/reconcile-blocks';
import { type AslDefinition, lambdaTask } from '../asl';
import type { WorkflowModule } from '../index';

/** Scheduled: compares the block ledger with the NACLs and repairs what is Warden's to repair. */
export function buildReconcileDefinition(): AslDefinition {
  return {
    Comment: 'Warden: compare the block ledger with the network ACLs and repair drift',
    StartAt: 'Compare the ledger with the network ACLs',
    States: {
      'Compare the ledger with the network ACLs': lambdaTask({
        task: reconcileBlocksTask.id,
        resultPath: '$.report',
        next: 'Did it stop part-way?',
      }),
      // An invocation works through a bounded share of the account-regions and returns where it
      // stopped, so a run of any size finishes without an invocation nearing its timeout.
      'Did it stop part-way?': {
        Type: 'Choice',
        Choices: [
          {
            Variable: '$.report.resumeAfter',
            IsPresent: true,
            Next: 'Compare the ledger with the network ACLs',
          },
        ],
        Default: 'Compared',
      },
      Compared: { Type: 'Succeed' },
    },
  };
}

export const reconcileWorkflow: WorkflowModule = {
  name: 'reconcile',
  stateMachineName: 'warden-reconcile',
  description: 'Compares the block ledger with the NACLs; removes expired Warden entries and reports drift',
  build: buildReconcileDefinition,
  tasks: [reconcileBlocksTask],
};
