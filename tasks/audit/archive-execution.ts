import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { archiveKey } from '../shared/archive-format';
import { call } from '../shared/aws-call';
import { taskEnvironment } from '../shared/environment';
import { WardenError } from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import { readExecution } from './read-execution';

/**
 * Keeps every finished execution of Warden's state machines past Step Functions' 90 days: on
 * EventBridge's "Step Functions Execution Status Change" event, reads the execution's full
 * history and writes it to the archive bucket as one JSON object `{ execution, events }`.
 *
 * The archive is what auditors read after the history is gone, so a failure here is loud (the
 * Lambda invocation fails and EventBridge retries it); events that are not for Warden's state
 * machines, or for executions still running, are answered with a reason and write nothing.
 */
const TERMINAL = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/** The event Step Functions sends to EventBridge; times are epoch milliseconds. */
export const ExecutionStatusChangeEvent = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  region: z.string().min(1).max(32),
  detail: z.looseObject({
    executionArn: z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/),
    stateMachineArn: z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/),
    name: z.string().min(1).max(80),
    status: z.enum([...TERMINAL, 'RUNNING', 'PENDING_REDRIVE']),
    startDate: z.number(),
    stopDate: z.number().nullable().optional(),
  }),
});
export type ExecutionStatusChangeEvent = z.infer<typeof ExecutionStatusChangeEvent>;

/** Read from the Lambda environment here only: the other tasks do not need an archive. */
const ArchiveEnvironment = z.object({
  ARCHIVE_BUCKET: z.string().min(3).max(63).optional(),
  ARCHIVE_KMS_KEY_ARN: z.string().startsWith('arn:aws').optional(),
});
export type ArchiveEnvironment = z.infer<typeof ArchiveEnvironment>;

/** The function was deployed without the archive bucket it writes to. */
export class ArchiveNotConfiguredError extends WardenError {}

export type ArchiveResult =
  | { archived: true; bucket: string; key: string; events: number }
  | { archived: false; reason: string };

export const archiveExecutionTask = defineTask({
  id: 'ArchiveExecution',
  trigger: { kind: 'event', events: 'executions-finished' },
  // A long history takes many GetExecutionHistory pages.
  timeoutSeconds: 300,
  entry: __filename,
  environment: taskEnvironment('STATE_MACHINE_ARNS', 'ARCHIVE_BUCKET', 'ARCHIVE_KMS_KEY_ARN'),
  input: ExecutionStatusChangeEvent,
  needs: { actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], writeArchive: true },
  // Its own environment as the deps carry it: the Lambda's variables in AWS, the template's locally.
  run: (event, deps) =>
    archiveExecution(event, deps, {
      ARCHIVE_BUCKET: deps.archive?.bucket,
      ARCHIVE_KMS_KEY_ARN: deps.archive?.kmsKeyArn,
    }),
});

export const handler = lambdaHandler(archiveExecutionTask);

export async function archiveExecution(
  event: ExecutionStatusChangeEvent,
  deps: TaskDeps,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ArchiveResult> {
  const settings = readArchiveEnvironment(env);
  const { detail } = event;
  const wardens = new Set(Object.values(deps.stateMachineArns));
  if (!wardens.has(detail.stateMachineArn)) {
    return { archived: false, reason: `${detail.stateMachineArn} is not one of Warden's state machines` };
  }
  if (!(TERMINAL as readonly string[]).includes(detail.status)) {
    return { archived: false, reason: `the execution is ${detail.status}, not finished` };
  }
  const account = detail.executionArn.split(':')[4]!;
  const region = detail.executionArn.split(':')[3]!;
  const sfn = deps.clients.client(SFNClient, { account, region });
  const archive = await call(`reading the history of ${detail.executionArn}`, () =>
    readExecution(sfn, detail.executionArn),
  );
  const key = archiveKey(archive.execution);
  const s3 = deps.clients.client(S3Client, {
    account: deps.config.organization.securityAccountId,
    region: deps.config.organization.homeRegion,
  });
  await call(`writing s3://${settings.bucket}/${key}`, () =>
    s3.send(
      new PutObjectCommand({
        Bucket: settings.bucket,
        Key: key,
        Body: JSON.stringify(archive),
        ContentType: 'application/json',
        ...(settings.kmsKeyArn
          ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: settings.kmsKeyArn, BucketKeyEnabled: true }
          : {}),
      }),
    ),
  );
  deps.logger.info('archived execution history', { key, events: archive.events.length });
  return { archived: true, bucket: settings.bucket, key, events: archive.events.length };
}

function readArchiveEnvironment(env: NodeJS.ProcessEnv): { bucket: string; kmsKeyArn?: string } {
  const parsed = ArchiveEnvironment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ArchiveNotConfiguredError(`the archive environment is invalid: ${problems}`);
  }
  if (!parsed.data.ARCHIVE_BUCKET) {
    throw new ArchiveNotConfiguredError('ARCHIVE_BUCKET is not set: there is no bucket to archive to');
  }
  return { bucket: parsed.data.ARCHIVE_BUCKET, kmsKeyArn: parsed.data.ARCHIVE_KMS_KEY_ARN };
}
