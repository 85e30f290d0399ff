import * as z from 'zod';
import { accountIdSchema } from '../../config/aws-names';

/**
 * The contract between the response workflow and the approval page: what the workflow asks a
 * person to approve, and what the decision it gets back looks like.
 */

/** One NACL the block will change, with the subnets it protects. */
export const ProposedNaclSchema = z.object({
  naclId: z.string().regex(/^acl-[0-9a-f]{8,17}$/),
  vpcId: z.string().max(64),
  subnetIds: z.array(z.string().max(64)).min(1).max(200),
});

/** What RequestApproval receives from the state machine (besides the task token). */
export const ApprovalRequestSchema = z.object({
  findingId: z.string().min(1).max(300),
  findingType: z.string().min(1).max(200),
  severity: z.number().min(0).max(10),
  accountId: accountIdSchema,
  region: z.string().min(1).max(32),
  instanceId: z.string().max(64).nullable(),
  /** Addresses the block would deny (CIDR /32 or /128), with the triage reason. */
  addresses: z
    .array(z.object({ cidr: z.string().max(64), reason: z.string().max(200) }))
    .min(1)
    .max(100),
  nacls: z.array(ProposedNaclSchema).min(1).max(50),
  /** How long the block would last once applied. */
  blockMinutes: z.number().int().min(1),
  /** Warden's rule band, shown so the approver sees where the entry goes. */
  ruleBand: z.object({ start: z.number().int(), end: z.number().int() }),
  /** When the approval expires (the callback task's timeout), ISO 8601. */
  expiresAt: z.string(),
  /** What happens if nobody decides. */
  onTimeout: z.enum(['block', 'reject']),
  dryRun: z.boolean(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** What SendTaskSuccess carries back into the execution when a person approves. */
export interface ApprovalDecision {
  approved: true;
  approvalId: string;
  approver: string;
  decidedAt: string;
  reason: string;
}

/** The error SendTaskFailure reports when a person rejects; the workflow catches it by name. */
export const APPROVAL_REJECTED = 'ApprovalRejected';
/** The cause of a rejection, as JSON. */
export interface RejectionCause {
  approvalId: string;
  approver: string;
  decidedAt: string;
  reason: string;
}
