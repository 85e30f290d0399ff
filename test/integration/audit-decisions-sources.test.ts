import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  paginateScan,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuditStory } from '../../audit/model';
import { OUTPUTS } from '../../infra/outputs';
import { dynaliteClient } from '../../runtime/dynamo';
import { type SfnEndpoint, startSfnEndpoint } from '../../runtime/sfn-endpoint';
import { FINDINGS_BY_DECISION_MONTH_INDEX } from '../../tasks/shared/tables';
import {
  AWS_TEST_REGIONS,
  deployStackOutputs,
  removeStackOutputs,
  useAwsEndpoints,
} from '../fixtures/aws-target';
import { type CliRun, runCli } from '../fixtures/cli-run';
import { MOTO_URL } from '../moto-server';
import { startResponseHarness } from '../workflows/response/harness';

/**
 * The decision records of ignored findings from every place `warden audit` reads them, each
 * compared with what the running Warden's own endpoint tells:
 * - Warden in AWS (`--region`): the findings table on moto's DynamoDB, over HTTP, created with
 *   the key schema and the `byDecisionMonth` index of the synthesized template, holding the very
 *   items the intake wrote;
 * - the local runtime's archive folder (`--data-dir`), which the runtime fills as it stops;
 * - that folder copied to S3 (`--archive s3://…`, moto's S3).
 */
const REGION = AWS_TEST_REGIONS.auditDecisions;
const SUFFIX = `${process.pid}-${Date.now()}`;
const TABLE = `warden-findings-decisions-${SUFFIX}`;
const BUCKET = `warden-decisions-${SUFFIX}`;
const PREFIX = 'copied';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const IGNORED = [
  {
    id: 'ignored-finding-1',
    type: 'Discovery:S3/AnomalousBehavior',
    severity: 2,
    actionType: 'AWS_API_CALL',
  },
  { id: 'ignored-finding-2', type: 'Recon:IAMUser/UserPermissions', severity: 1, actionType: 'AWS_API_CALL' },
] as const;
const NOTIFIED = {
  id: 'notified-finding-1',
  type: 'Stealth:IAMUser/CloudTrailLoggingDisabled',
  severity: 5,
  actionType: 'AWS_API_CALL',
} as const;

let dataDir: string;
/** What the running Warden's endpoint told, before it stopped. */
let told: AuditStory[];
let dynamo: DynamoDBClient;
let s3: S3Client;
let restore: () => void;
/** Whether the archive folder held decision records while the runtime still ran. */
let decisionsBeforeStop: boolean;

function stories(run: CliRun): AuditStory[] {
  expect(run.stderr).not.toMatch(/error/i);
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { stories: AuditStory[] }).stories;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'warden-decision-sources-'));
  const h = await startResponseHarness({ dataDir });
  let endpoint: SfnEndpoint | undefined;
  try {
    for (const finding of IGNORED) {
      const delivered = await h.deliver(finding);
      if (!delivered.decisionRecord) throw new Error(`${finding.id} was ${delivered.outcome}`);
    }
    const notified = await h.deliver(NOTIFIED);
    await h.warden.runtime.waitFor(notified.executionArn!);
    endpoint = await startSfnEndpoint(h.warden.runtime);
    told = stories(await runCli(['audit', '--format', 'json', '--endpoint', endpoint.url]));

    // The findings table in "AWS": as the template declares it, with the items the intake wrote.
    const declared = h.warden.deployment.stacks
      .get('WardenSecurity')!
      .tables.find((t) => t.tableName === h.warden.deps.tables.findings)!;
    expect(declared.globalSecondaryIndexes.map((i) => (i as { IndexName: string }).IndexName)).toContain(
      FINDINGS_BY_DECISION_MONTH_INDEX,
    );
    dynamo = new DynamoDBClient({ endpoint: MOTO_URL, region: REGION, credentials: CREDENTIALS });
    await dynamo.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: declared.keySchema,
        AttributeDefinitions: declared.attributeDefinitions,
        GlobalSecondaryIndexes:
          declared.globalSecondaryIndexes as unknown as CreateTableCommandInput['GlobalSecondaryIndexes'],
      }),
    );
    const local = dynaliteClient(h.warden.dynamo.endpoint);
    try {
      for await (const page of paginateScan(
        { client: local },
        { TableName: h.warden.deps.tables.findings },
      )) {
        for (const item of page.Items ?? [])
          await dynamo.send(new PutItemCommand({ TableName: TABLE, Item: item }));
      }
    } finally {
      local.destroy();
    }
    decisionsBeforeStop = existsSync(join(dataDir, 'archive', 'decisions'));
  } finally {
    await endpoint?.close();
    // Stopping keeps the decision records in <data dir>/archive beside the executions.
    await h.stop();
  }

  // The archive folder copied to S3 under a prefix, as an operator would keep it.
  s3 = new S3Client({ endpoint: MOTO_URL, region: REGION, forcePathStyle: true, credentials: CREDENTIALS });
  await s3.send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION } }),
  );
  const archive = join(dataDir, 'archive');
  for (const file of filesUnder(archive)) {
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${PREFIX}/${relative(archive, file).split(sep).join('/')}`,
        Body: readFileSync(file),
      }),
    );
  }

  await deployStackOutputs({ [OUTPUTS.tableName('findings')]: TABLE }, REGION);
  restore = useAwsEndpoints({ dynamodb: MOTO_URL });
}, 180_000);

afterAll(async () => {
  restore?.();
  await removeStackOutputs(REGION);
  await dynamo?.send(new DeleteTableCommand({ TableName: TABLE })).catch(() => undefined);
  dynamo?.destroy();
  s3?.destroy();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const ignoredOnly = (list: AuditStory[]) => list.filter((s) => s.execution.workflow === 'ignored');

describe('warden audit reads the decision records of ignored findings', () => {
  it('told by the running Warden: both ignored findings and the notified one', () => {
    expect(
      told.map((s) => [s.execution.workflow, (s.trigger as { findingId?: string } | null)?.findingId]),
    ).toEqual(
      expect.arrayContaining([
        ['ignored', IGNORED[0].id],
        ['ignored', IGNORED[1].id],
        ['response', NOTIFIED.id],
      ]),
    );
    expect(told).toHaveLength(3);
  });

  it("from Warden in AWS: the findings table's byDecisionMonth index on DynamoDB over HTTP", async () => {
    const listed = stories(
      await runCli(['audit', '--format', 'json', '--region', REGION, '--workflow', 'ignored']),
    );

    expect(listed).toHaveLength(2);
    expect(listed).toEqual(ignoredOnly(told));
  });

  it('from the archive folder the local runtime left as it stopped', async () => {
    const run = await runCli(['audit', '--format', 'json', '--data-dir', dataDir]);

    // Findings handed to the intake directly are archived when the runtime stops.
    expect(decisionsBeforeStop).toBe(false);
    expect(run.stderr).toContain('no local runtime is running; reading the archive it left in');
    expect(stories(run)).toEqual(told);
  });

  it('from that archive copied to S3', async () => {
    const listed = stories(
      await runCli([
        'audit',
        '--format',
        'json',
        '--archive',
        `s3://${BUCKET}/${PREFIX}`,
        '--endpoint',
        MOTO_URL,
      ]),
    );

    expect(listed).toEqual(told);
  });

  it('with the time filters applied to the records read from AWS', async () => {
    const after = stories(
      await runCli([
        'audit',
        '--format',
        'json',
        '--region',
        REGION,
        '--workflow',
        'ignored',
        '--since',
        '2026-03-01T10:07:00Z',
      ]),
    );
    const before = stories(
      await runCli([
        'audit',
        '--format',
        'json',
        '--region',
        REGION,
        '--workflow',
        'ignored',
        '--until',
        '2026-03-01T10:07:00Z',
      ]),
    );

    expect(after).toEqual([]);
    expect(before).toHaveLength(2);
  });
});
