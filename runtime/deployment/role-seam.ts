import type { SandboxIam } from '../sandbox/iam';
import type { DeployedRole } from './stack-model';

/**
 * Creates a role the templates declare in the sandbox's IAM, with the template's trust policy,
 * inline policies (the role's `Policies` and every `AWS::IAM::Policy` naming it) and managed
 * policies, so the policy evaluator decides every call the role's sessions make. The documents
 * are also kept by role ARN for reports.
 */
export type RoleDocuments = Map<string, DeployedRole>;

export function createTemplateRole(
  iam: SandboxIam,
  role: DeployedRole,
  documents: RoleDocuments,
  stackName: string,
): void {
  // A second deploy is an update: the role keeps its name and gets the template's documents.
  if (iam.role(role.account, role.roleName)) iam.deleteRole(role.account, role.roleName);
  iam.createRole(role.account, role.roleName, {
    trustPolicy: role.trustPolicy,
    inlinePolicies: role.inlinePolicies,
    managedPolicyArns: role.managedPolicyArns,
    ...(role.path ? { path: role.path } : {}),
    ...(role.maxSessionDuration ? { maxSessionDuration: role.maxSessionDuration } : {}),
    declaredBy: { stack: stackName, logicalId: role.logicalId },
  });
  documents.set(role.arn, role);
}
