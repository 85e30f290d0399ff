import { accountIdSchema } from '../../config/aws-names';
import * as z from '../../config/zod-mini';

/**
 * The shapes that travel through the response workflow, shared by its definition and its tasks.
 * Tasks validate what they read; extra fields pass through untouched.
 */
export const AddressDecisionSchema = z.object({
  address: z.string().check(z.maxLength(64)),
  cidr: z.string().check(z.maxLength(64)),
  action: z.enum(['BLOCK', 'APPROVAL', 'NOTIFY', 'NONE']),
  reason: z.string().check(z.maxLength(64)),
});

export const TriageSchema = z.looseObject({
  findingId: z.string().check(z.minLength(1), z.maxLength(300)),
  accountId: accountIdSchema,
  region: z.string().check(z.minLength(1), z.maxLength(32)),
  type: z.string().check(z.minLength(1), z.maxLength(200)),
  severity: z.number().check(z.minimum(0), z.maximum(10)),
  instanceId: z.nullable(z.string().check(z.maxLength(64))),
  decision: z.enum(['IGNORE', 'NOTIFY', 'BLOCK_WITH_APPROVAL', 'BLOCK_AUTO']),
  rule: z.string().check(z.maxLength(200)),
  category: z.string().check(z.maxLength(64)),
  dryRun: z.boolean(),
  recommendation: z.nullable(z.string()),
  addresses: z.array(AddressDecisionSchema).check(z.maxLength(100)),
  targets: z
    .array(
      z.object({
        subnetId: z.string().check(z.maxLength(64)),
        vpcId: z.nullable(z.string().check(z.maxLength(64))),
      }),
    )
    .check(z.maxLength(50)),
});
export type TriageInput = z.infer<typeof TriageSchema>;

export const ResolvedNaclSchema = z.object({
  account: accountIdSchema,
  region: z.string().check(z.minLength(1), z.maxLength(32)),
  naclId: z.string().check(z.regex(/^acl-[0-9a-f]{8,17}$/)),
  vpcId: z.string().check(z.maxLength(64)),
  subnetIds: z.array(z.string().check(z.maxLength(64))).check(z.maxLength(200)),
  associatedSubnetCount: z.number().check(z.int(), z.minimum(0)),
});

/** A block this execution owns: it created the entry and will remove it. */
export const OwnedBlockSchema = z.object({
  account: z.string(),
  region: z.string(),
  naclId: z.string(),
  cidr: z.string(),
  ruleNumber: z.number().check(z.int()),
  blockId: z.string(),
  expiresAt: z.string(),
});
export type OwnedBlock = z.infer<typeof OwnedBlockSchema>;

export type BlockOutcomeKind =
  | 'BLOCKED'
  | 'ALREADY_BLOCKED'
  | 'REFUSED_FULL'
  | 'REFUSED_INEFFECTIVE'
  | 'EVICTED_OLDEST'
  | 'DRY_RUN'
  | 'KILL_SWITCH'
  | 'NACL_GONE';

/**
 * What happened to one (address, NACL) pair. The first result of each NACL Warden changed also
 * carries the NACL's inbound entries before and after, read as `rule action cidr`.
 */
export interface PairResult {
  naclId: string;
  subnetIds: string[];
  cidr: string;
  outcome: BlockOutcomeKind;
  ruleNumber?: number;
  detail: string;
  before?: string[];
  after?: string[];
  /**
   * Set instead of `before`/`after` when listing this NACL would take the result past its budget
   * of listings (NACL_VIEW_BUDGET_BYTES in block-addresses.ts): a finding that changed many full NACLs.
   */
  viewOmitted?: 'STATE_SIZE';
  evicted?: { cidr: string; ruleNumber: number };
}

/** The `block` part of the execution state after BlockAddresses and each LiftExpiredBlocks. */
export interface BlockState {
  results: PairResult[];
  owned: OwnedBlock[];
  hasOwnedBlocks: boolean;
  /** The earliest expiry among owned blocks (what the Wait state waits for). */
  expiresAt: string | null;
  lifted: { naclId: string; cidr: string; ruleNumber: number; outcome: string; at: string }[];
  missingSubnets: string[];
  /** Addresses the input asked for that Warden, deciding again from the recorded finding, refused. */
  refused?: { cidr: string; reason: string }[];
}
