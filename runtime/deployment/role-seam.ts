import { REGION } from '../../config/aws-names';
import { STACK_NAMES } from '../../infra/names';
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
    declaredBy: { stack: coverageStackName(stackName), logicalId: role.logicalId },
  });
  documents.set(role.arn, role);
}

/**
 * The name a stack's roles are reported under in the IAM coverage. A stack deployed once per
 * region from one template (`WardenForwarding-<region>`) declares the same statements in every
 * region, so its regions are one entry, as the StackSet's member role is one entry for every
 * account: a grant is proven needed when a call in any region used it. The Organizations event
 * forwarding is one construct that lives in the management stack when that stack is in us-east-1
 * and in its own `WardenOrganizationsEvents` stack otherwise (infra/warden.ts): one entry too.
 */
export function coverageStackName(stackName: string): string {
  if (stackName === STACK_NAMES.organizationsEvents) return STACK_NAMES.management;
  const dash = stackName.lastIndexOf('-', stackName.length - 3);
  for (let i = stackName.indexOf('-'); i !== -1 && i <= dash; i = stackName.indexOf('-', i + 1)) {
    if (REGION.test(stackName.slice(i + 1))) return `${stackName.slice(0, i)}-<region>`;
  }
  return stackName;
}
