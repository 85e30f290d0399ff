import type { WardenTables } from '../tasks/shared/task';

/**
 * The security stack's outputs that `warden` reads to find the deployed Warden (CloudFormation
 * DescribeStacks on `WardenSecurity`): one name, written by the stack and read by the CLI.
 */
export const OUTPUTS = {
  approvalBaseUrl: 'ApprovalBaseUrl',
  topicArn: 'TopicArn',
  historyArchiveBucket: 'HistoryArchiveBucket',
  /** `OnboardingStateMachineArn`, `FreeTrialStateMachineArn`, ... for the workflow named `free-trial`. */
  stateMachineArn: (workflow: string): string => `${pascalCase(workflow)}StateMachineArn`,
  /** `LedgerTableName`, `ApprovalsTableName`, ... */
  tableName: (table: keyof WardenTables): string => `${pascalCase(table)}TableName`,
} as const;

function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
