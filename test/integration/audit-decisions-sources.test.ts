import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AuditStory } from '../../audit/model';
import { OUTPUTS } from '../../infra/outputs';
import { type SfnEndpoint, startSfnEndpoint } from '../../runtime/sfn-endpoint';
import { FINDINGS_BY_DECISION_MONTH_INDEX } from '../../tasks/shared/tables';
import {
  AWS_TEST_REGIONS,
  deployStackOutputs,
  removeStackOutputs,
  useAwsEndpoints,
} from '../fixtures/aws-target';
import { type CliRun, runCli } from '../fixtures/cli-run';
import { copyTableToMoto, type MotoTable } from '../fixtures/moto-tables';
import { MOTO_URL } from '../moto-server';
import { startResponseHarness } from '../workflows/response/harness';
import { IGNORED as FIRST_IGNORED, NOTIFIED, SECOND_IGNORED } from './audit-decision-findings';

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
const IGNORED = [FIRST_IGNORED, SECOND_IGNORED] as const;

let dataDir: string;
/** What the running Warden's endpoint told, before it stopped. */
let told: AuditStory[];
let table: MotoTable;
let s3: S3Client;
let restore: () => void;
/** Whether the archive folder held decision records while the runtime still ran. */
let decisionsBeforeStop: boolean;

/** `warden audit --format json …`, its stories. */
async function audit(...args: string[]): Promise<AuditStory[]> {
  return stories(await runCli(['audit', '--format', 'json', ...args]));
}
/** The decision records as Warden in AWS holds them (no state machine is read). */
const fromAws = (...extra: string[]) => audit('--region', REGION, '--workflow', 'ignored', ...extra);

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
    told = await audit('--endpoint', endpoint.url);

    // The findings table in "AWS": as the template declares it, with the items the intake wrote.
    const declared = h.warden.deployment.stacks
      .get('WardenSecurity')!
      .tables.find((t) => t.tableName === h.warden.deps.tables.findings)!;
    expect(declared.globalSecondaryIndexes.map((i) => (i as { IndexName: string }).IndexName)).toContain(
      FINDINGS_BY_DECISION_MONTH_INDEX,
    );
    table = await copyTableToMoto(
      declared,
      { dynaliteEndpoint: h.warden.dynamo.endpoint },
      { name: TABLE, region: REGION },
    );
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
  await table?.remove();
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
    const listed = await fromAws();

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
    const listed = await audit('--archive', `s3://${BUCKET}/${PREFIX}`, '--endpoint', MOTO_URL);

    expect(listed).toEqual(told);
  });

  it('with the time filters applied to the records read from AWS', async () => {
    const after = await fromAws('--since', '2026-03-01T10:07:00Z');
    const before = await fromAws('--until', '2026-03-01T10:07:00Z');

    expect(after).toEqual([]);
    expect(before).toHaveLength(2);
  });
});
