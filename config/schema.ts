import * as z from 'zod';
import { accountIdCheck, regionCheck } from './aws-names';
import { AddressSyntaxError, parseCidr, quote } from './cidr';

/**
 * The one config file of Warden. The CDK app validates it at synth and compiles the validated
 * config into every function's bundle (config/compiled.ts), and the local runtime validates it at
 * start, so a bad value fails early with a message that names the field.
 */

const accountId = z.string().check(accountIdCheck);
const region = z.string().check(regionCheck);
const roleName = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name');

/**
 * An IPv4 or IPv6 CIDR block, read by the parser the never-block guard reads it with
 * (config/cidr.ts), so every block the config accepts is one the guard can use: host bits zero
 * (`10.1.2.3/8` is refused with `10.0.0.0/8` suggested), no leading-zero octets, a prefix length
 * the family allows. IPv4-mapped IPv6 blocks (`::ffff:198.51.100.201/128`) are accepted; the
 * guard unwraps them.
 */
export const cidr = z.string().superRefine((text, ctx) => {
  if (!text.includes('/')) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a CIDR block with a prefix length, such as 203.0.113.0/24 or 2001:db8::/32, got ${quote(text)}`,
    });
    return;
  }
  try {
    parseCidr(text);
  } catch (error) {
    if (!(error instanceof AddressSyntaxError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
});

export const ACTIONS = ['IGNORE', 'NOTIFY', 'BLOCK_WITH_APPROVAL', 'BLOCK_AUTO'] as const;
export const SEVERITY_BANDS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export const NOTIFICATION_CATEGORIES = [
  'APPROVAL_REQUESTED',
  'APPROVAL_DECIDED',
  'BLOCKED',
  'UNBLOCKED',
  'ACTION_FAILED',
  'FINDING',
  'ONBOARDING_RESULT',
  'FREE_TRIAL_ENDING',
  'CLOUDTRAIL_LOGGING_DISABLED',
  'PASSWORD_POLICY_CHANGED',
  'ROOT_CREDENTIAL_USAGE',
  'INSTANCE_PORT_SCANNING',
  'UNUSUAL_TRAFFIC_VOLUME',
  'DRIFT',
] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];
export type TriageAction = (typeof ACTIONS)[number];

export const FEATURE_NAMES = [
  's3DataEvents',
  'eksAuditLogs',
  'runtimeMonitoring',
  'ebsMalwareProtection',
  'rdsLoginEvents',
  'lambdaNetworkLogs',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

const policyRule = z
  .object({
    name: z
      .string()
      .min(1)
      .max(80)
      .describe('Shown in the triage result and the execution history as the reason.'),
    types: z
      .array(z.string().min(1).max(200))
      .min(1)
      .optional()
      .describe(
        'Finding type globs, `*` matches any run of characters: `Backdoor:EC2/*`. When absent: any type.',
      ),
    severities: z
      .array(z.enum(SEVERITY_BANDS))
      .min(1)
      .optional()
      .describe('Severity bands this rule applies to. When absent: any severity.'),
    resourceRole: z
      .enum(['TARGET', 'ACTOR'])
      .optional()
      .describe('`service.resourceRole` this rule applies to. When absent: any role.'),
    accounts: z
      .array(accountId)
      .min(1)
      .optional()
      .describe('Account ids this rule applies to. When absent: any account.'),
    organizationalUnits: z
      .array(z.string().regex(/^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/))
      .min(1)
      .optional()
      .describe(
        "Organizational unit ids (`ou-xxxx-yyyyyyyy`); needs the account's OU in the finding context.",
      ),
    tags: z
      .record(z.string().min(1).max(128), z.string().max(256))
      .optional()
      .describe('Instance tags that must all be present with these values.'),
    action: z.enum(ACTIONS),
    category: z
      .enum(NOTIFICATION_CATEGORIES)
      .optional()
      .describe('The notification category for NOTIFY outcomes. When absent: FINDING.'),
  })
  .strict();
export type PolicyRule = z.infer<typeof policyRule>;

export const DEFAULT_POLICY: PolicyRule[] = [
  {
    name: 'brute force against our instance',
    types: ['UnauthorizedAccess:EC2/SSHBruteForce', 'UnauthorizedAccess:EC2/RDPBruteForce'],
    resourceRole: 'TARGET',
    action: 'BLOCK_WITH_APPROVAL',
  },
  {
    name: 'high-severity port probe of an unprotected port',
    types: ['Recon:EC2/PortProbeUnprotectedPort', 'Recon:EC2/PortProbeEMRUnprotectedPort'],
    resourceRole: 'TARGET',
    severities: ['HIGH', 'CRITICAL'],
    action: 'BLOCK_AUTO',
  },
  {
    name: 'port probe of an unprotected port',
    types: ['Recon:EC2/PortProbeUnprotectedPort', 'Recon:EC2/PortProbeEMRUnprotectedPort'],
    resourceRole: 'TARGET',
    action: 'BLOCK_WITH_APPROVAL',
  },
  {
    name: 'inbound traffic from a custom threat list address',
    types: ['UnauthorizedAccess:EC2/MaliciousIPCaller.Custom'],
    resourceRole: 'TARGET',
    action: 'BLOCK_WITH_APPROVAL',
  },
  {
    name: 'our instance is attacking others: isolate it',
    types: [
      'UnauthorizedAccess:EC2/SSHBruteForce',
      'UnauthorizedAccess:EC2/RDPBruteForce',
      'Recon:EC2/PortProbeUnprotectedPort',
      'Recon:EC2/PortProbeEMRUnprotectedPort',
    ],
    resourceRole: 'ACTOR',
    action: 'NOTIFY',
    category: 'FINDING',
  },
  {
    name: 'compromised instance: isolate it',
    types: ['Backdoor:EC2/*', 'CryptoCurrency:EC2/*', 'Trojan:EC2/*'],
    action: 'NOTIFY',
    category: 'FINDING',
  },
  {
    name: 'instance port-scanning others',
    types: ['Recon:EC2/Portscan'],
    action: 'NOTIFY',
    category: 'INSTANCE_PORT_SCANNING',
  },
  {
    name: 'unusual traffic volume',
    types: ['Behavior:EC2/TrafficVolumeUnusual'],
    action: 'NOTIFY',
    category: 'UNUSUAL_TRAFFIC_VOLUME',
  },
  {
    name: 'CloudTrail logging disabled',
    types: ['Stealth:IAMUser/CloudTrailLoggingDisabled'],
    action: 'NOTIFY',
    category: 'CLOUDTRAIL_LOGGING_DISABLED',
  },
  {
    name: 'password policy changed',
    types: ['Stealth:IAMUser/PasswordPolicyChange'],
    action: 'NOTIFY',
    category: 'PASSWORD_POLICY_CHANGED',
  },
  {
    // GuardDuty rates root use Low when it looks routine; any use of root is worth a person's look.
    name: 'root credentials used',
    types: ['Policy:IAMUser/RootCredentialUsage'],
    action: 'NOTIFY',
    category: 'ROOT_CREDENTIAL_USAGE',
  },
  {
    name: 'other finding of medium severity or above',
    severities: ['MEDIUM', 'HIGH', 'CRITICAL'],
    action: 'NOTIFY',
  },
  { name: 'other low-severity finding', severities: ['LOW'], action: 'IGNORE' },
];

/**
 * Runtime Monitoring's automated agent configuration, per resource type
 * (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_DetectorAdditionalConfiguration.html).
 */
const runtimeMonitoringAgents = z
  .object({
    eks: z
      .boolean()
      .default(true)
      .describe('GuardDuty manages the security agent add-on of EKS clusters (EKS_ADDON_MANAGEMENT).'),
    ecsFargate: z
      .boolean()
      .default(true)
      .describe('GuardDuty manages the agent of ECS tasks on Fargate (ECS_FARGATE_AGENT_MANAGEMENT).'),
    ec2: z
      .boolean()
      .default(true)
      .describe('GuardDuty manages the agent on EC2 instances through SSM (EC2_AGENT_MANAGEMENT).'),
  })
  .strict();
export type RuntimeMonitoringAgent = keyof z.infer<typeof runtimeMonitoringAgents>;

const features = z
  .object({
    s3DataEvents: z.boolean().default(true).describe('S3 data events (S3_DATA_EVENTS).'),
    eksAuditLogs: z.boolean().default(true).describe('EKS audit logs (EKS_AUDIT_LOGS).'),
    runtimeMonitoring: z.boolean().default(false).describe('Runtime monitoring (RUNTIME_MONITORING).'),
    runtimeMonitoringAgents: runtimeMonitoringAgents
      .prefault({})
      .describe(
        'Which security agents GuardDuty installs and manages when runtimeMonitoring is on; without them runtime monitoring sees nothing.',
      ),
    ebsMalwareProtection: z
      .boolean()
      .default(true)
      .describe('EBS malware protection (EBS_MALWARE_PROTECTION).'),
    rdsLoginEvents: z.boolean().default(true).describe('RDS login events (RDS_LOGIN_EVENTS).'),
    lambdaNetworkLogs: z.boolean().default(true).describe('Lambda network logs (LAMBDA_NETWORK_LOGS).'),
  })
  .strict();

const passwordBaseline = z
  .object({
    minimumPasswordLength: z.number().int().min(6).max(128).default(14),
    requireSymbols: z.boolean().default(true),
    requireNumbers: z.boolean().default(true),
    requireUppercaseCharacters: z.boolean().default(true),
    requireLowercaseCharacters: z.boolean().default(true),
    maxPasswordAge: z.number().int().min(0).max(1095).default(90).describe('0 means passwords never expire.'),
    passwordReusePrevention: z.number().int().min(0).max(24).default(24),
  })
  .strict();

/** NACL rule numbers AWS accepts for entries of our own. */
const outOfRange = (issue: { input?: unknown }) => `must be between 1 and 32766, got ${String(issue.input)}`;
const ruleNumber = z
  .number()
  .int('must be a whole number')
  .min(1, { error: outOfRange })
  .max(32766, { error: outOfRange });

/**
 * An EventBridge schedule expression as EventBridge accepts it ("Rate expressions reference",
 * Amazon EventBridge User Guide): `rate(value unit)` with a positive whole value and a unit that
 * agrees with it (`rate(1 hour)`, `rate(5 hours)`; `rate(1 hours)` and `rate(0 minutes)` are
 * refused), or `cron(...)` with six fields.
 */
const schedule = z.string().superRefine((text, ctx) => {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(text);
  const cron = /^cron\(\S+( \S+){5}\)$/.test(text);
  if (!rate && !cron) {
    ctx.addIssue({
      code: 'custom',
      message: `must be rate(value unit) or cron(six fields) as EventBridge accepts them, got ${JSON.stringify(text)}`,
    });
    return;
  }
  if (!rate) return;
  const value = Number(rate[1]);
  const plural = rate[2]!.endsWith('s');
  if (value < 1)
    ctx.addIssue({ code: 'custom', message: `the rate must be at least 1, got ${JSON.stringify(text)}` });
  else if (value === 1 && plural)
    ctx.addIssue({
      code: 'custom',
      message: `a rate of 1 takes a singular unit (rate(1 ${rate[2]!.slice(0, -1)})), got ${JSON.stringify(text)}`,
    });
  else if (value > 1 && !plural)
    ctx.addIssue({
      code: 'custom',
      message: `a rate above 1 takes a plural unit (rate(${value} ${rate[2]}s)), got ${JSON.stringify(text)}`,
    });
});

/** The claim the approval page records as the approver (see tasks/approval/oidc-client.ts). */
const identityClaim = z
  .string()
  .regex(
    /^[A-Za-z][\w:.-]{0,63}$/,
    'must be a claim name such as email, preferred_username or cognito:username',
  )
  .describe(
    'The claim recorded as the approver: email (only when the issuer marks it verified), preferred_username, cognito:username, … Read from UserInfo when the ID token lacks it; never the opaque sub.',
  );

export const WardenConfigSchema = z
  .object({
    organization: z
      .object({
        managementAccountId: accountId,
        securityAccountId: accountId.describe(
          "The GuardDuty administrator; Warden's state machines run here.",
        ),
        homeRegion: region.describe('Where the state machines, tables, API and topic live.'),
        controlTowerHomeRegion: region
          .optional()
          .describe(
            'The Control Tower home region, where Control Tower emits its account lifecycle events; the management stack deploys there. Required to deploy (`cdk synth` names it when missing). When absent: none; the local runtime does not need it.',
          ),
        regions: z
          .array(region)
          .min(1)
          .max(40)
          .describe('Every region Warden governs (onboarding, finding forwarding). Must include homeRegion.'),
        memberRoleName: roleName
          .default('WardenMemberRole')
          .describe('The role Warden assumes in member accounts.'),
        organizationId: z
          .string()
          .regex(/^o-[a-z0-9]{10,32}$/, 'must be an organization id such as o-a1b2c3d4e5')
          .optional()
          .describe(
            "The organisation's id (`o-…`). Warden's tasks may assume the member role only in accounts of this organisation (`aws:ResourceOrgID`), and the member role admits only callers from it (`aws:PrincipalOrgID`). Required to deploy (`cdk synth` explains the risk when missing). When absent: none; the local runtime does not need it.",
          ),
        memberRoleTargets: z
          .array(
            z
              .string()
              .regex(
                /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})$/,
                'must be a root id (r-…) or an OU id (ou-…-…)',
              ),
          )
          .min(1)
          .optional()
          .describe(
            "Where the member-role StackSet deploys: the organisation root (`r-…`) and/or OU ids. When absent: the management stack's CloudFormation parameter MemberRoleDeploymentTargets.",
          ),
      })
      .strict(),
    onboarding: z
      .object({
        mode: z
          .enum(['invitation', 'organization'])
          .default('invitation')
          .describe('invitation: create, invite and accept; organization: delegated administrator.'),
        maxConcurrency: z
          .number()
          .int()
          .min(1)
          .max(40)
          .default(4)
          .describe("Regions onboarded at once per account (the Map's MaxConcurrency)."),
        findingPublishingFrequency: z
          .enum(['FIFTEEN_MINUTES', 'ONE_HOUR', 'SIX_HOURS'])
          .default('FIFTEEN_MINUTES'),
        features: features.prefault({}),
        sweepSchedule: schedule.default('rate(6 hours)').describe('Drift sweep schedule.'),
        freeTrialThresholdDays: z
          .number()
          .int()
          .min(1)
          .max(30)
          .default(7)
          .describe("Notify when any feature's remaining free-trial days fall below this."),
        freeTrialSchedule: schedule.default('rate(1 day)'),
        findingsBucketArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}$/, 'must be an S3 bucket ARN')
          .optional()
          .describe(
            "S3 bucket the administrator's detectors export findings to; its policy must admit guardduty.amazonaws.com. When absent: the security stack's findings bucket.",
          ),
        findingsKmsKeyArn: z
          .string()
          .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, 'must be a KMS key ARN')
          .optional()
          .describe(
            "KMS key that encrypts exported findings; its policy must let guardduty.amazonaws.com GenerateDataKey. When absent: the security stack's findings key.",
          ),
      })
      .strict()
      .prefault({}),
    response: z
      .object({
        mode: z
          .enum(['enforce', 'dry-run'])
          .default('dry-run')
          .describe('enforce: change NACLs; dry-run: decide and record, change nothing.'),
        killSwitch: z
          .boolean()
          .default(false)
          .describe('When true, no NACL entry is created by any execution.'),
        ruleBand: z
          .object({ start: ruleNumber, end: ruleNumber })
          .strict()
          .default({ start: 1, end: 90 })
          .describe(
            "Warden's reserved inbound rule numbers. Must lie below the customer's ALLOW rules, since NACLs evaluate the lowest number first.",
          ),
        naclRuleQuota: z
          .number()
          .int()
          // The default deny counts toward the quota: 1 leaves no room for any entry.
          .min(2, {
            error: (issue) =>
              `must be at least 2 (the default deny counts toward the quota, so ${String(issue.input)} leaves no room), got ${String(issue.input)}`,
          })
          .max(40)
          .default(20)
          .describe('Inbound rules allowed per NACL (AWS default 20, at most 40).'),
        whenFull: z
          .enum(['refuse', 'evict-oldest'])
          .default('refuse')
          .describe('What to do when the band or the quota is full.'),
        blockMinutes: z
          .number()
          .int()
          .min(1)
          .max(525600)
          .default(1440)
          .describe('How long a first block lasts, in minutes.'),
        repeatMultiplier: z
          .number()
          .min(1)
          .max(10)
          .default(2)
          .describe("A repeat offender's next block lasts this many times longer."),
        maxBlockMinutes: z
          .number()
          .int()
          .min(1)
          .max(525600)
          .default(10080)
          .describe(
            "Upper bound on how long one block is decided to last (a repeat offender's escalation stops here). An update of the finding while it is blocked extends the block to blockMinutes from the update, so an attack GuardDuty keeps reporting stays blocked past this bound.",
          ),
        approval: z
          .object({
            timeoutMinutes: z.number().int().min(1).max(10080).default(60),
            onTimeout: z
              .enum(['block', 'reject'])
              .default('reject')
              .describe('What an approval that nobody decided leads to.'),
          })
          .strict()
          .prefault({}),
        maxAddressesPerFinding: z
          .number()
          .int('must be a whole number')
          .min(1, { error: (issue) => `must be at least 1, got ${String(issue.input)}` })
          // A NACL holds at most 40 inbound rules (Amazon VPC quotas: rules per network ACL, 20 by
          // default, adjustable to 40), so more denies than that from one finding cannot all land.
          .max(40, {
            error: (issue) => `must be at most 40 (a NACL's most inbound rules), got ${String(issue.input)}`,
          })
          .default(10)
          .describe(
            'The most addresses one finding blocks (or asks approval for); at most 40, the most inbound rules a NACL holds. An instance in many subnets gets fewer: one finding acts on at most 160 address-subnet pairs, which keeps its state far below the 256 KiB Step Functions allows. The rest are notified, not blocked, with the reason ADDRESS_LIMIT_EXCEEDED in the decision and the audit record.',
          ),
        allowList: z
          .array(cidr)
          .max(1000)
          .default([])
          .describe(
            'CIDR blocks that are never blocked, e.g. 198.51.100.0/24 (host bits zero; IPv4-mapped IPv6 forms are unwrapped).',
          ),
        ownCidrs: z
          .array(cidr)
          .max(1000)
          .default([])
          .describe('VPC CIDRs of the organisation, e.g. 10.0.0.0/16 (host bits zero); never blocked.'),
        reconcileSchedule: schedule.default('rate(1 hour)').describe('Ledger/NACL reconciler schedule.'),
        policy: z
          .array(policyRule)
          .min(1)
          .default(DEFAULT_POLICY)
          .describe('Evaluated first to last; the first match decides.'),
      })
      .strict()
      .superRefine((r, ctx) => {
        if (r.ruleBand.end < r.ruleBand.start) {
          ctx.addIssue({
            code: 'custom',
            path: ['ruleBand', 'end'],
            message: `must be at least ruleBand.start (${r.ruleBand.start}), got ${r.ruleBand.end}`,
          });
        }
        if (r.maxBlockMinutes < r.blockMinutes) {
          ctx.addIssue({
            code: 'custom',
            path: ['maxBlockMinutes'],
            message: `must be at least blockMinutes (${r.blockMinutes}), got ${r.maxBlockMinutes}`,
          });
        }
      }),
    notifications: z
      .object({
        disabled: z
          .array(z.enum(NOTIFICATION_CATEGORIES))
          .default([])
          .describe('Categories switched off; everything else is published.'),
        passwordPolicyBaseline: passwordBaseline.prefault({}),
      })
      .strict()
      .prefault({}),
    approvals: z
      .object({
        authorizer: z
          .discriminatedUnion('kind', [
            z
              .object({
                kind: z.literal('cognito'),
                clientType: z
                  .enum(['public', 'confidential'])
                  .default('public')
                  .describe(
                    'public: the approval page proves its codes with PKCE only; confidential: the user pool client also has a secret, kept in Secrets Manager, which the page sends with client_secret_basic.',
                  ),
                identityClaim: identityClaim.default('email'),
              })
              .strict(),
            z
              .object({
                kind: z.literal('oidc'),
                issuer: z.string().url().startsWith('https://'),
                audience: z.array(z.string().min(1)).min(1),
                clientAuthentication: z
                  .enum(['none', 'client_secret_basic', 'private_key_jwt'])
                  .default('none')
                  .describe(
                    "How the approval page authenticates at the issuer's token endpoint: none (a public client, PKCE only), client_secret_basic, or private_key_jwt (a PEM private key, RSA or EC P-256).",
                  ),
                clientSecretArn: z
                  .string()
                  .regex(
                    /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/,
                    'must be the ARN of a Secrets Manager secret, e.g. arn:aws:secretsmanager:eu-west-1:111111111111:secret:warden-approvals-client-AbCdEf',
                  )
                  .optional()
                  .describe(
                    'The Secrets Manager secret (in the security account) holding the client secret, or the PEM private key for private_key_jwt. Required unless clientAuthentication is none.',
                  ),
                clientKeyId: z
                  .string()
                  .regex(/^[\w.:-]{1,128}$/)
                  .optional()
                  .describe('The `kid` the issuer knows the private_key_jwt key by, if it asks for one.'),
                identityClaim: identityClaim.default('email'),
              })
              .strict()
              .superRefine((a, ctx) => {
                if (a.clientAuthentication !== 'none' && a.clientSecretArn === undefined) {
                  ctx.addIssue({
                    code: 'custom',
                    path: ['clientSecretArn'],
                    message: `is required with clientAuthentication ${a.clientAuthentication}`,
                  });
                }
                if (a.clientAuthentication === 'none' && a.clientSecretArn !== undefined) {
                  ctx.addIssue({
                    code: 'custom',
                    path: ['clientSecretArn'],
                    message: 'is only used with clientAuthentication client_secret_basic or private_key_jwt',
                  });
                }
              }),
          ])
          .default({ kind: 'cognito', clientType: 'public', identityClaim: 'email' })
          .describe(
            'Who signs approvers in: cognito, a user pool in the security stack; oidc, an external issuer, whose `audience[0]` is the OAuth client id the approval page signs in with (redirect URI `<api>/auth/callback`).',
          ),
        localApprovers: z
          .array(z.string().regex(/^[\w.@-]{1,64}$/))
          .min(1, 'must name at least one approver; with none, no approval could ever be decided')
          .default(['alice', 'bob'])
          .describe("Names that may sign in to the local runtime's approval page."),
      })
      .strict()
      .default({
        authorizer: { kind: 'cognito', clientType: 'public', identityClaim: 'email' },
        localApprovers: ['alice', 'bob'],
      }),
    audit: z
      .object({
        archiveRetentionDays: z
          .number()
          .int()
          .min(1)
          .max(36500)
          .default(2557)
          .describe('Days archived execution histories are kept.'),
        objectLock: z
          .boolean()
          .default(false)
          .describe('S3 Object Lock (compliance mode) on the archive bucket.'),
      })
      .strict()
      .prefault({}),
    observability: z
      .object({
        tracing: z
          .boolean()
          .default(false)
          .describe(
            "AWS X-Ray tracing of the state machines (Step Functions samples and records the traces; $5 per million traces recorded beyond X-Ray's free tier). Off: the audit record is each execution's history, archived in full.",
          ),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.organization.regions.includes(c.organization.homeRegion)) {
      ctx.addIssue({
        code: 'custom',
        path: ['organization', 'regions'],
        message: `must include homeRegion ${c.organization.homeRegion}`,
      });
    }
    if (new Set(c.organization.regions).size !== c.organization.regions.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['organization', 'regions'],
        message: 'must not repeat a region',
      });
    }
    if (c.organization.managementAccountId === c.organization.securityAccountId) {
      ctx.addIssue({
        code: 'custom',
        path: ['organization', 'securityAccountId'],
        message: 'must differ from managementAccountId: Warden runs in a dedicated security account',
      });
    }
  });

export type WardenConfig = z.infer<typeof WardenConfigSchema>;
export type WardenConfigInput = z.input<typeof WardenConfigSchema>;
