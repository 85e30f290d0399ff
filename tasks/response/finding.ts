import { isIP } from 'node:net';
import { ACCOUNT_ID, REGION } from '../../config/aws-names';
import * as z from '../../config/zod-mini';
import { InvalidFindingError } from '../shared/errors';

/**
 * The GuardDuty finding as Warden receives it from EventBridge (`source` aws.guardduty,
 * `detail-type` GuardDuty Finding). Every field Warden reads is checked here, with bounded string
 * lengths and array sizes, because the finding flows into NACL changes, notifications and
 * execution history. GuardDuty keeps adding fields: unknown ones are accepted and left out of the
 * parsed value, which keeps it small and fully typed.
 *
 * This is the one definition of a valid finding: the replay's fast path (fast-finding.ts) is
 * derived from `FindingEventSchema`, so a change here changes both.
 */

/** The patterns of the identifiers in a finding. */
const FINDING_PATTERNS = {
  resourceId: /^[A-Za-z0-9-]{1,64}$/,
  accountId: ACCOUNT_ID,
  region: REGION,
  findingType: /^[A-Za-z0-9]+:[A-Za-z0-9]+\/[A-Za-z0-9.!&_-]+$/,
  connectionDirection: /^[A-Z_]{1,32}$/,
  actionType: /^[A-Z0-9_]{1,64}$/,
  instanceId: /^i-[0-9a-f]{8,17}$/,
  resourceType: /^[A-Za-z0-9]{1,64}$/,
  findingId: /^[A-Za-z0-9_-]{1,128}$/,
  partition: /^aws(-[a-z]+){0,3}$/,
} as const;

/** GuardDuty writes `null` for some absent values; both spellings mean "not there". */
const optional = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.nullish(schema),
    z.transform((v: z.output<T> | null | undefined) => v ?? undefined),
  );

const text = (max: number) => z.string().check(z.maxLength(max, `must be at most ${max} characters`));

/**
 * An informational field Warden only shows. GuardDuty documents these as strings but writes
 * numbers in some (its own example finding has `"asn": -1`), so a number is taken as its text.
 */
const info = (max: number) =>
  z.union([z.pipe(z.number(), z.transform(String)), z.pipe(z.boolean(), z.transform(String)), text(max)]);

const ipAddress = (family: 4 | 6) =>
  z.string().check(
    z.maxLength(45, `must be an IPv${family} address`),
    // `net.isIP` accepts a zone index (`fe80::1%eth0`), which means nothing outside the host.
    z.refine((v) => !v.includes('%') && isIP(v) === family, `must be an IPv${family} address`),
  );

const timestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 timestamp' });

// Real ids are `subnet-0abc…`, but GuardDuty's sample findings carry placeholders such as
// `GeneratedFindingSubnetId`; the charset is checked here and the AWS format where it matters.
const resourceId = z
  .string()
  .check(z.regex(FINDING_PATTERNS.resourceId, 'must be a resource id such as subnet-0123456789abcdef0'));

export const AccountIdSchema = z
  .string()
  .check(z.regex(FINDING_PATTERNS.accountId, 'must be a 12-digit account id'));
export const RegionSchema = z
  .string()
  .check(z.regex(FINDING_PATTERNS.region, 'must be an AWS region name such as eu-west-1'));
/** `ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact`. */
export const FindingTypeSchema = z
  .string()
  .check(
    z.maxLength(200, 'must be at most 200 characters'),
    z.regex(FINDING_PATTERNS.findingType, 'must be a GuardDuty finding type such as Recon:EC2/Portscan'),
  );

const RemoteIpDetailsSchema = z
  .object({
    ipAddressV4: optional(ipAddress(4)),
    ipAddressV6: optional(ipAddress(6)),
    organization: optional(
      z.object({
        asn: optional(info(32)),
        asnOrg: optional(info(256)),
        isp: optional(info(256)),
        org: optional(info(256)),
      }),
    ),
    country: optional(z.object({ countryCode: optional(info(64)), countryName: optional(info(128)) })),
    city: optional(z.object({ cityName: optional(info(128)) })),
  })
  .check(
    z.refine(
      (r) => r.ipAddressV4 !== undefined || r.ipAddressV6 !== undefined,
      'must have ipAddressV4 or ipAddressV6',
    ),
  );

const PortDetailsSchema = z.object({
  // GuardDuty reports -1 when it does not know the port.
  port: optional(z.number().check(z.int(), z.minimum(-1), z.maximum(65535))),
  portName: optional(info(64)),
});

const NetworkConnectionActionSchema = z.object({
  // Documented values are INBOUND, OUTBOUND and UNKNOWN; a new one is accepted and never blocked.
  connectionDirection: optional(
    z.string().check(z.regex(FINDING_PATTERNS.connectionDirection, 'must be a direction such as INBOUND')),
  ),
  remoteIpDetails: RemoteIpDetailsSchema,
  localPortDetails: optional(PortDetailsSchema),
  remotePortDetails: optional(PortDetailsSchema),
  protocol: optional(info(32)),
  blocked: optional(z.boolean()),
});

const MAX_PORT_PROBE_DETAILS = 1000;

const PortProbeActionSchema = z.object({
  blocked: optional(z.boolean()),
  portProbeDetails: z
    .array(
      z.object({ localPortDetails: optional(PortDetailsSchema), remoteIpDetails: RemoteIpDetailsSchema }),
    )
    .check(z.maxLength(MAX_PORT_PROBE_DETAILS, `must have at most ${MAX_PORT_PROBE_DETAILS} entries`)),
});

// Warden only needs to know these happened (a NACL cannot stop them); their content is neither
// read nor kept.
const UnreadActionSchema = optional(
  z.pipe(
    z.looseObject({}),
    z.transform((): Record<string, never> => ({})),
  ),
);

const ActionSchema = z.object({
  actionType: optional(
    z.string().check(z.regex(FINDING_PATTERNS.actionType, 'must be an action type such as PORT_PROBE')),
  ),
  networkConnectionAction: optional(NetworkConnectionActionSchema),
  portProbeAction: optional(PortProbeActionSchema),
  awsApiCallAction: UnreadActionSchema,
  dnsRequestAction: UnreadActionSchema,
  kubernetesApiCallAction: UnreadActionSchema,
});

const NetworkInterfaceSchema = z.object({
  networkInterfaceId: optional(resourceId),
  subnetId: optional(resourceId),
  vpcId: optional(resourceId),
  privateIpAddress: optional(ipAddress(4)),
  privateIpAddresses: optional(
    z
      .array(z.object({ privateIpAddress: optional(ipAddress(4)), privateDnsName: optional(info(256)) }))
      .check(z.maxLength(256, 'must have at most 256 entries')),
  ),
  publicIp: optional(ipAddress(4)),
  ipv6Addresses: optional(z.array(ipAddress(6)).check(z.maxLength(256, 'must have at most 256 entries'))),
});

const InstanceDetailsSchema = z.object({
  instanceId: z
    .string()
    .check(z.regex(FINDING_PATTERNS.instanceId, 'must be an instance id such as i-0123456789abcdef0')),
  // EC2 allows 50 tags per resource.
  tags: optional(
    z
      .array(
        z.object({ key: z.string().check(z.minLength(1), z.maxLength(128)), value: optional(info(256)) }),
      )
      .check(z.maxLength(50, 'must have at most 50 entries')),
  ),
  networkInterfaces: optional(
    z.array(NetworkInterfaceSchema).check(z.maxLength(64, 'must have at most 64 entries')),
  ),
});

const ResourceSchema = z.object({
  // Informational: GuardDuty adds resource types (EKSCluster, S3Object, ...) and Warden acts only
  // on instance details, so any type is taken.
  resourceType: optional(info(128)),
  instanceDetails: optional(InstanceDetailsSchema),
});

const ServiceSchema = z.object({
  serviceName: optional(info(64)),
  detectorId: optional(info(300)),
  action: optional(ActionSchema),
  resourceRole: optional(z.enum(['TARGET', 'ACTOR'], 'must be TARGET or ACTOR')),
  count: optional(z.number().check(z.int(), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER))),
  archived: optional(z.boolean()),
  additionalInfo: optional(
    z.object({
      // A JSON document in a string; sample findings hold `"sample":true` in it.
      value: optional(text(65536)),
      type: optional(info(64)),
      sample: optional(z.boolean()),
    }),
  ),
  eventFirstSeen: optional(timestamp),
  eventLastSeen: optional(timestamp),
});

export const FindingSchema = z.object({
  schemaVersion: optional(info(16)),
  id: z.string().check(z.regex(FINDING_PATTERNS.findingId, 'must be a GuardDuty finding id')),
  arn: optional(text(2048)),
  accountId: AccountIdSchema,
  region: RegionSchema,
  partition: z.string().check(z.regex(FINDING_PATTERNS.partition, 'must be an AWS partition such as aws')),
  type: FindingTypeSchema,
  // GuardDuty scores 1.0–10.0; 0 is tolerated, anything outside 0–10 is not a GuardDuty finding.
  severity: z
    .number({
      error: (issue) => (issue.input === undefined ? 'is required' : 'must be a number from 0 to 10'),
    })
    .check(z.minimum(0, 'must be from 0 to 10'), z.maximum(10, 'must be from 0 to 10')),
  title: optional(info(1024)),
  description: optional(info(8192)),
  createdAt: timestamp,
  updatedAt: timestamp,
  resource: ResourceSchema,
  service: ServiceSchema,
});

export const FindingEventSchema = z.object({
  version: optional(text(8)),
  id: optional(text(128)),
  'detail-type': z.literal('GuardDuty Finding', 'must be "GuardDuty Finding"'),
  source: z.literal('aws.guardduty', 'must be "aws.guardduty"'),
  // The administrator's account for members' findings, so not compared with detail.accountId.
  account: optional(AccountIdSchema),
  time: optional(timestamp),
  region: optional(RegionSchema),
  resources: optional(z.array(text(2048)).check(z.maxLength(100, 'must have at most 100 entries'))),
  detail: FindingSchema,
});

export type Finding = z.infer<typeof FindingSchema>;
export type FindingEvent = z.infer<typeof FindingEventSchema>;
/** The raw JSON shape, before validation: what fixtures and the sandbox produce. */
export type FindingEventInput = z.input<typeof FindingEventSchema>;
export type RemoteIpDetails = z.infer<typeof RemoteIpDetailsSchema>;
export type NetworkInterface = z.infer<typeof NetworkInterfaceSchema>;

const MAX_REPORTED_ISSUES = 5;

/**
 * Validates an EventBridge GuardDuty finding event. Throws `InvalidFindingError` whose message
 * names each bad field (`detail.accountId: must be a 12-digit account id`); received values are
 * not echoed, since they may be large or hostile and the message lands in execution history.
 */
export function parseFindingEvent(raw: unknown): FindingEvent {
  const result = FindingEventSchema.safeParse(raw, {
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined,
  });
  if (result.success) return result.data;
  const issues = result.error.issues;
  const listed = issues.slice(0, MAX_REPORTED_ISSUES).map((i) => `${pathText(i.path)}: ${i.message}`);
  const more = issues.length > MAX_REPORTED_ISSUES ? `; and ${issues.length - MAX_REPORTED_ISSUES} more` : '';
  throw new InvalidFindingError(`invalid GuardDuty finding event: ${listed.join('; ')}${more}`, {
    cause: result.error,
  });
}

/**
 * True for GuardDuty's sample findings (`CreateSampleFindings`, the console's "Generate sample
 * findings"): `additionalInfo.sample`, or `"sample": true` in the JSON of `additionalInfo.value`.
 */
export function isSampleFinding(finding: Finding): boolean {
  const info = finding.service.additionalInfo;
  if (!info) return false;
  if (info.sample === true) return true;
  if (info.value === undefined) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(info.value);
  } catch {
    // Not JSON: look for the marker in the text, erring towards a dry run, the harmless side.
    return /"sample"\s*:\s*true\b/.test(info.value);
  }
  return typeof parsed === 'object' && parsed !== null && (parsed as { sample?: unknown }).sample === true;
}

function pathText(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(event)';
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/**
 * What the intake reads from an event: a finding it may act on, or a GuardDuty finding that
 * fails the checks above (an id, address or timestamp Warden cannot trust), which Warden reports
 * to people with the reason instead of acting on it. Only an event that is not a GuardDuty
 * finding at all throws.
 */
export type FindingReading =
  | { kind: 'finding'; event: FindingEvent }
  | { kind: 'unsafe'; identity: UnsafeFindingIdentity; problem: string };

/** The parts of an untrusted finding that are themselves well-formed; the rest is undefined. */
export interface UnsafeFindingIdentity {
  id?: string;
  accountId?: string;
  region?: string;
  type?: string;
  severity?: number;
  title?: string;
  updatedAt?: string;
  eventAccount?: string;
  eventRegion?: string;
}

export function readFindingEvent(raw: unknown): FindingReading {
  const event = raw as Record<string, unknown> | null;
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (
    !isObject(event) ||
    event.source !== 'aws.guardduty' ||
    event['detail-type'] !== 'GuardDuty Finding' ||
    !isObject(event.detail)
  ) {
    // Not a GuardDuty finding: the schema's message names what is missing.
    return { kind: 'finding', event: parseFindingEvent(raw) };
  }
  try {
    return { kind: 'finding', event: parseFindingEvent(raw) };
  } catch (error) {
    if (!(error instanceof InvalidFindingError)) throw error;
    const detail = event.detail;
    const valid = <T>(schema: z.ZodMiniType<T>, value: unknown): T | undefined => {
      const r = schema.safeParse(value);
      return r.success ? r.data : undefined;
    };
    return {
      kind: 'unsafe',
      problem: error.message,
      identity: {
        id: valid(z.string().check(z.regex(FINDING_PATTERNS.findingId)), detail.id),
        accountId: valid(AccountIdSchema, detail.accountId),
        region: valid(RegionSchema, detail.region),
        type: valid(FindingTypeSchema, detail.type),
        severity: valid(z.number().check(z.minimum(0), z.maximum(10)), detail.severity),
        title: valid(text(1024), detail.title),
        updatedAt: valid(timestamp, detail.updatedAt),
        eventAccount: valid(AccountIdSchema, event.account),
        eventRegion: valid(RegionSchema, event.region),
      },
    };
  }
}

const FINDING_ARN =
  /^arn:(aws(?:-[a-z]+){0,3}):guardduty:([a-z0-9-]+):(\d{12}):detector\/[^/]+\/finding\/(.+)$/;

/**
 * Why the event's origin and the finding disagree, or undefined when they agree: the envelope's
 * region against the finding's (GuardDuty may report a global-service finding in another region
 * than the threat's, API_Finding.html), the finding ARN's region, account and id against the
 * finding's own fields, and the envelope's account against the finding's account or the
 * administrator account that receives members' findings. Warden never blocks on such a finding.
 */
export function originProblem(event: FindingEvent, administratorAccountId: string): string | undefined {
  const finding = event.detail;
  const problems: string[] = [];
  if (event.region !== undefined && event.region !== finding.region) {
    problems.push(`the event came from ${event.region} but the finding is in ${finding.region}`);
  }
  if (
    event.account !== undefined &&
    event.account !== finding.accountId &&
    event.account !== administratorAccountId
  ) {
    problems.push(
      `the event came from account ${event.account}, neither the finding's account ${finding.accountId} nor the GuardDuty administrator ${administratorAccountId}`,
    );
  }
  const arn = finding.arn === undefined ? undefined : FINDING_ARN.exec(finding.arn);
  if (finding.arn !== undefined && !arn) problems.push('the finding ARN is not a GuardDuty finding ARN');
  if (arn) {
    const [, partition, region, account, id] = arn;
    if (partition !== finding.partition)
      problems.push(`the finding ARN's partition ${partition} is not ${finding.partition}`);
    if (region !== finding.region)
      problems.push(`the finding ARN names region ${region}, the finding ${finding.region}`);
    if (account !== finding.accountId)
      problems.push(`the finding ARN names account ${account}, the finding ${finding.accountId}`);
    if (id !== finding.id) problems.push('the finding ARN names another finding id');
  }
  return problems.length ? problems.join('; ') : undefined;
}
