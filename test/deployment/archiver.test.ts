import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { LocalWarden } from '../../runtime/local-warden';
import { suiteIamCoverage } from '../../runtime/sandbox/iam-coverage';
import { REGION, SECURITY, startOneMemberDeployment } from '../fixtures/deployed-warden';
import { MOTO_URL } from '../moto-server';

/**
 * The history archiver on the deployed Warden: the local runtime sends Step Functions' "Execution
 * Status Change" event to the default bus when an execution starts and when it ends
 * (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html); the
 * template's rule hands the finished one to the archiver, which reads the history and writes it to the archive
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

describe('the history archiver, as the template wires it', () => {
  let warden: LocalWarden | undefined;
  afterEach(() => warden?.stop());

  it('archives a finished execution that Step Functions sent to the ExecutionsFinished rule, with its own role', async () => {
    warden = await startWarden();
    await createArchiveBucketOnMoto(warden);
    const { executionArn } = await warden.runSchedule('reconcile');

    await warden.runtime.waitFor(executionArn);

    const [running, finished] = warden.executionEvents!.deliveriesFor(executionArn);
    // The RUNNING change matches no rule: the archiver keeps finished executions only.
    expect(running!.report.invocations).toEqual([]);
    const archived = finished!.report.invocations.filter((i) => i.target === 'ArchiveExecution');
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

  it('puts RUNNING and then the final status on the default bus of the state machine, as Step Functions does', async () => {
    warden = await startOneMemberDeployment({ workflows: ['reconcile'] });
    const { executionArn } = await warden.runSchedule('reconcile');

    const record = await warden.runtime.waitFor(executionArn);

    const deliveries = warden.executionEvents!.deliveriesFor(executionArn);
    expect(deliveries.map((d) => d.event.detail.status)).toEqual(['RUNNING', record.status]);
    const finished = deliveries[1]!.event;
    expect(finished).toMatchObject({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      account: SECURITY,
      region: REGION,
      resources: [executionArn],
      detail: {
        executionArn,
        stateMachineArn: record.stateMachineArn,
        name: record.name,
        startDate: Date.parse(record.startDate),
        stopDate: Date.parse(record.stopDate!),
        input: record.input,
        inputDetails: { included: true },
      },
    });
    expect(deliveries.every((d) => d.error === undefined)).toBe(true);
  });

  it('keeps the archived history in the sandbox bucket, encrypted with the archive key, when there is no object endpoint', async () => {
    warden = await startOneMemberDeployment({ workflows: ['reconcile'] });
    const stack = warden.deployment!.stacks.get('WardenSecurity')!;
    const bucket = stack.buckets.find((b) => b.logicalId.startsWith('HistoryArchiveBucket'))!;
    const { executionArn } = await warden.runSchedule('reconcile');

    await warden.runtime.waitFor(executionArn);

    const objects = warden.world.services.s3.objectsIn(bucket.bucketName);
    expect(objects).toHaveLength(1);
    expect(objects[0]).toMatchObject({
      kmsKeyArn: bucket.kmsKeyArn,
      writtenBy: expect.stringContaining(':assumed-role/WardenTask-ArchiveExecution/'),
    });
    expect(JSON.parse(objects[0]!.body).execution.executionArn).toBe(executionArn);
  });

  it('archives the full input of an execution whose status-change events leave it out as too large', async () => {
    warden = await startOneMemberDeployment({ workflows: ['reconcile'] });
    const bucket = warden
      .deployment!.stacks.get('WardenSecurity')!
      .buckets.find((b) => b.logicalId.startsWith('HistoryArchiveBucket'))!;
    // 250 KiB: under Step Functions' 256 KiB input quota, over the events' 248 KiB.
    const input = JSON.stringify({ padding: 'x'.repeat(250 * 1024) });
    const { executionArn } = warden.runtime.start(
      warden.stateMachines.reconcile!,
      JSON.parse(input),
      'large-input',
      input,
    );

    await warden.runtime.waitFor(executionArn);

    const deliveries = warden.executionEvents!.deliveriesFor(executionArn);
    expect(deliveries).toHaveLength(2);
    for (const { event } of deliveries) {
      expect(event.detail).toMatchObject({ input: null, inputDetails: { included: false } });
    }
    const archived = deliveries[1]!.report.invocations.filter((i) => i.target === 'ArchiveExecution');
    expect(archived).toEqual([
      expect.objectContaining({ result: expect.objectContaining({ archived: true }) }),
    ]);
    const objects = warden.world.services.s3.objectsIn(bucket.bucketName);
    expect(objects).toHaveLength(1);
    const body = JSON.parse(objects[0]!.body);
    expect(body.execution).toMatchObject({ executionArn, input });
    expect(body.events[0]).toMatchObject({
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input },
    });
  });
});
