import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { LocalWarden } from '../../runtime/local-warden';
import type { BusEvent } from '../../runtime/sandbox/event-buses';
import { suiteIamCoverage } from '../../runtime/sandbox/iam-coverage';
import { REGION, SECURITY, startOneMemberDeployment } from '../fixtures/deployed-warden';
import { MOTO_URL } from '../moto-server';

/**
 * The history archiver on the deployed Warden: Step Functions sends an "Execution Status Change"
 * event to the default bus when an execution ends
 * (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html); the
 * template's rule hands it to the archiver, which reads the history and writes it to the archive
 * bucket with its own role (the rule's Lambda permission, the role's Step Functions reads, S3
 * write and key use are all evaluated).
 */

function startWarden(): Promise<LocalWarden> {
  return startOneMemberDeployment({
    workflows: ['reconcile'],
    // The sandbox holds buckets and their policies; the archived objects go to moto.
    objectEndpoint: MOTO_URL,
  });
}

/** The archive bucket on moto, where the archiver's PutObject lands once IAM allowed it. */
async function createArchiveBucketOnMoto(warden: LocalWarden): Promise<void> {
  const bucket = warden
    .deployment!.stacks.get('WardenSecurity')!
    .buckets.find((b) => b.logicalId.startsWith('HistoryArchiveBucket'))!;
  const s3 = new S3Client({
    endpoint: MOTO_URL,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket.bucketName,
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
  } finally {
    s3.destroy();
  }
}

/** The event Step Functions puts on the default bus for a finished execution. */
function statusChange(warden: LocalWarden, executionArn: string): BusEvent {
  const record = warden.runtime.describe(executionArn);
  return {
    version: '0',
    id: 'f1e2d3c4-0000-4000-8000-000000000001',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: SECURITY,
    time: record.stopDate!,
    region: REGION,
    resources: [executionArn],
    detail: {
      executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: Date.parse(record.startDate),
      stopDate: Date.parse(record.stopDate!),
      input: record.input,
      output: record.output ?? null,
    },
  };
}

describe('the history archiver, as the template wires it', () => {
  let warden: LocalWarden | undefined;
  afterEach(() => warden?.stop());

  it('archives a finished execution delivered by the ExecutionsFinished rule, with its own role', async () => {
    warden = await startWarden();
    await createArchiveBucketOnMoto(warden);
    const { executionArn } = await warden.runSchedule('reconcile');
    await warden.runtime.waitFor(executionArn);
    const bus = `arn:aws:events:${REGION}:${SECURITY}:event-bus/default`;

    const report = await warden.world.services.events.deliver(
      warden.world.cloud,
      bus,
      statusChange(warden, executionArn),
    );

    const archived = report.invocations.filter((i) => i.target === 'ArchiveExecution');
    expect(archived).toEqual([
      expect.objectContaining({ result: expect.objectContaining({ archived: true }) }),
    ]);
    const role = warden
      .deployment!.stacks.get('WardenSecurity')!
      .roles.find((r) => r.roleName === 'WardenTask-ArchiveExecution')!;
    const used = suiteIamCoverage
      .snapshot()
      .entries.filter((e) => e.role === `WardenSecurity/${role.logicalId}` && Object.keys(e.calls).length > 0)
      .map((e) => e.statement);
    expect(used).toEqual(expect.arrayContaining(['WriteArchivedHistories', 'EncryptArchivedHistories']));
    const actions = suiteIamCoverage
      .snapshot()
      .entries.filter((e) => e.role === `WardenSecurity/${role.logicalId}`)
      .flatMap((e) => Object.keys(e.calls).map((c) => c.split(' ')[0]));
    expect(actions).toEqual(
      expect.arrayContaining(['states:DescribeExecution', 'states:GetExecutionHistory', 's3:PutObject']),
    );
  });
});
