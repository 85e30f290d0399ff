import * as z from 'zod';
import type { ApprovalRequest } from '../approval/contract';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { ResolvedNaclSchema, TriageSchema } from './contract';
import { NetworkAcls, type ResolvedNacl } from './network-acls';

/**
 * Finds the NACL of every subnet the instance has an interface in (deduplicated: a NACL shared
 * by several subnets appears once, with all of them), and prepares what the approver will see.
 */
const Input = z.object({ triage: TriageSchema });
type Input = z.infer<typeof Input>;

export interface Resolution {
  nacls: ResolvedNacl[];
  missingSubnets: string[];
  approvalRequest: ApprovalRequest | null;
}

export const resolveNetworkAclsTask = defineTask({
  id: 'ResolveNetworkAcls',
  entry: __filename,
  input: Input,
  needs: { assumeMemberRole: true, memberActions: ['ec2:DescribeNetworkAcls'] },
  run: resolveNetworkAcls,
});

export const handler = lambdaHandler(resolveNetworkAclsTask);

export async function resolveNetworkAcls({ triage }: Input, deps: TaskDeps): Promise<Resolution> {
  const { nacls, missingSubnets } = await new NetworkAcls(deps).resolve(
    triage.accountId,
    triage.region,
    triage.targets.map((t) => t.subnetId),
  );
  z.array(ResolvedNaclSchema).parse(nacls);
  const addresses = triage.addresses.filter((a) => a.action === 'APPROVAL' || a.action === 'BLOCK');
  const response = deps.config.response;
  const approvalRequest: ApprovalRequest | null =
    nacls.length && addresses.length
      ? {
          findingId: triage.findingId,
          findingType: triage.type,
          severity: triage.severity,
          accountId: triage.accountId,
          region: triage.region,
          instanceId: triage.instanceId,
          addresses: addresses.map((a) => ({ cidr: a.cidr, reason: a.reason })),
          nacls: nacls.map((n) => ({ naclId: n.naclId, vpcId: n.vpcId, subnetIds: n.subnetIds })),
          blockMinutes: response.blockMinutes,
          ruleBand: response.ruleBand,
          expiresAt: new Date(deps.now().getTime() + response.approval.timeoutMinutes * 60_000).toISOString(),
          onTimeout: response.approval.onTimeout,
          dryRun: triage.dryRun,
        }
      : null;
  return { nacls, missingSubnets, approvalRequest };
}
