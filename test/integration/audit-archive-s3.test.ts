import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { archiveExecution, type ExecutionStatusChangeEvent } from '../../tasks/audit/archive-execution';
import { archiveKey } from '../../tasks/shared/archive-format';
import { ClientFactory } from '../../tasks/shared/aws-clients';
import type { TaskDeps } from '../../tasks/shared/task';
import { runCli } from '../fixtures/cli-run';
import { MOTO_URL } from '../moto-server';
import { type RecordedExecutions, recordExecutions, runAudit } from './audit-executions';

/**
 * The S3 archive end to end: the ArchiveExecution task reads each execution through the local
 * runtime's Step Functions endpoint and writes it to a bucket on moto (over HTTP, SSE-KMS asked
 * for); `warden audit --archive s3://…` then tells the same stories as the endpoint does.
 */
const BUCKET = `warden-archive-${Date.now()}`;
const KMS_KEY = 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const saved = { ...process.env };

let recorded: RecordedExecutions;
let deps: TaskDeps;
let s3: S3Client;

function statusChange(executionArn: string): ExecutionStatusChangeEvent {
  const record = recorded.response.warden.runtime.describe(executionArn);
  return {
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    region: 'eu-west-1',
    detail: {
      executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: Date.parse(record.startDate),
      stopDate: record.stopDate ? Date.parse(record.stopDate) : null,
    },
  };
}

beforeAll(async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  recorded = await recordExecutions();
  s3 = new S3Client({
    endpoint: MOTO_URL,
    region: 'eu-west-1',
    forcePathStyle: true,
    credentials: CREDENTIALS,
  });
  await s3.send(
    new CreateBucketCommand({
      Bucket: BUCKET,
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    }),
  );
  deps = {
    ...recorded.response.warden.deps,
    clients: new ClientFactory({
      ownAccount: '222222222222',
      baseCredentials: CREDENTIALS,
      endpoints: { S3Client: MOTO_URL, SFNClient: recorded.responseEndpoint.url },
    }),
  };
}, 120_000);

afterAll(async () => {
  deps?.clients.destroy();
  s3?.destroy();
  await recorded?.stop();
  process.env = saved;
});

describe('archiving execution histories to S3', () => {
  it('writes each finished execution as { execution, events } under its dated key, KMS-encrypted', async () => {
    const env = { ARCHIVE_BUCKET: BUCKET, ARCHIVE_KMS_KEY_ARN: KMS_KEY };

    const results = [];
    for (const arn of Object.values(recorded.arns).slice(0, 3))
      results.push(await archiveExecution(statusChange(arn), deps, env));

    const record = recorded.response.warden.runtime.describe(recorded.arns.approved);
    const key = archiveKey(record);
    expect(key).toBe(`executions/warden-response/2026/03/01/${record.name}.json`);
    // Every event of the approved block's history, as the runtime recorded it.
    const recordedEvents = recorded.response.warden.runtime.store.history(recorded.arns.approved).length;
    expect(recordedEvents).toBe(41);
    expect(results[0]).toEqual({ archived: true, bucket: BUCKET, key, events: recordedEvents });
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const body = JSON.parse(await object.Body!.transformToString());
    expect(body.execution).toMatchObject({
      executionArn: recorded.arns.approved,
      status: 'SUCCEEDED',
      startDate: '2026-03-01T10:06:00.000Z',
    });
    expect(body.events).toHaveLength(recordedEvents);
    expect(body.events[0]).toMatchObject({
      id: 1,
      type: 'ExecutionStarted',
      timestamp: '2026-03-01T10:06:00.000Z',
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toContain('1234abcd-12ab-34cd-56ef-1234567890ab');
  });

  it('reads back through warden audit --archive s3:// the same stories as from the endpoint', async () => {
    const fromEndpoint = await runAudit('json', ['--endpoint', recorded.responseEndpoint.url]);

    const fromS3 = await runAudit(
      'json',
      ['--archive', `s3://${BUCKET}`, '--endpoint', MOTO_URL, '--region', 'eu-west-1'],
      'response',
    );

    expect(fromS3.stderr).toBe('');
    expect(fromS3.code).toBe(0);
    expect(JSON.parse(fromS3.stdout).stories).toHaveLength(3);
    expect(fromS3.stdout).toBe(fromEndpoint.stdout);
  });

  it('says which bucket it could not read', async () => {
    const run = await runCli(['audit', '--archive', 's3://no-such-warden-bucket', '--endpoint', MOTO_URL]);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^warden: archive s3:\/\/no-such-warden-bucket\/ at .* refused listing executions\/warden-response\/: NoSuchBucket/,
    );
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
