import {
  CreateSampleFindingsCommand,
  GetFindingsCommand,
  ListFindingsCommand,
} from '@aws-sdk/client-guardduty';
import { DAY_MS, MEMBER, makeWorld, OTHER_REGION, OUTSIDER, REGION, SECURITY, withDetector } from './world';

let world: ReturnType<typeof makeWorld>;

/** An administrator with one associated member; findings are added by each test. */
async function arrange() {
  world = makeWorld();
  const { client: admin, detectorId: adminDetector } = await withDetector(world);
  world.guardduty.setRelationship(SECURITY, MEMBER, REGION, 'Enabled');
  return { admin, adminDetector };
}

const SSH = 'UnauthorizedAccess:EC2/SSHBruteForce';
const PORT_PROBE = 'Recon:EC2/PortProbeUnprotectedPort';

describe('GuardDuty sandbox findings', () => {
  it("shows the administrator its own and its members' findings, not others' or other regions'", async () => {
    const { admin, adminDetector } = await arrange();
    const own = world.guardduty.addFinding(SECURITY, REGION, { Type: SSH });
    const members = world.guardduty.addFinding(MEMBER, REGION, { Type: SSH });
    world.guardduty.addFinding(OUTSIDER, REGION, { Type: SSH });
    world.guardduty.addFinding(MEMBER, OTHER_REGION, { Type: SSH });

    const out = await admin.send(new ListFindingsCommand({ DetectorId: adminDetector }));

    expect(out.FindingIds).toEqual([own.Id, members.Id]);
  });

  it('filters on type, severity, account, region and archived state', async () => {
    const { admin, adminDetector } = await arrange();
    const high = world.guardduty.addFinding(MEMBER, REGION, { Type: SSH, Severity: 8 });
    world.guardduty.addFinding(MEMBER, REGION, { Type: SSH, Severity: 2 });
    world.guardduty.addFinding(MEMBER, REGION, { Type: PORT_PROBE, Severity: 8 });
    world.guardduty.addFinding(MEMBER, REGION, { Type: SSH, Severity: 9, Service: { Archived: true } });
    world.guardduty.addFinding(SECURITY, REGION, { Type: SSH, Severity: 8 });

    const out = await admin.send(
      new ListFindingsCommand({
        DetectorId: adminDetector,
        FindingCriteria: {
          Criterion: {
            type: { Eq: [SSH] },
            severity: { Gte: 7 },
            accountId: { Equals: [MEMBER] },
            region: { Eq: [REGION] },
            'service.archived': { Eq: ['false'] },
          },
        },
      }),
    );

    expect(out.FindingIds).toEqual([high.Id]);
  });

  it('filters on updatedAt in epoch milliseconds and with negative conditions', async () => {
    const { admin, adminDetector } = await arrange();
    const start = world.clock.now;
    world.guardduty.addFinding(MEMBER, REGION, { Type: SSH });
    world.clock.now += DAY_MS;
    const recent = world.guardduty.addFinding(MEMBER, REGION, { Type: SSH });
    world.guardduty.addFinding(MEMBER, REGION, { Type: PORT_PROBE });

    const out = await admin.send(
      new ListFindingsCommand({
        DetectorId: adminDetector,
        FindingCriteria: {
          Criterion: { updatedAt: { GreaterThan: start }, type: { NotEquals: [PORT_PROBE] } },
        },
      }),
    );

    expect(out.FindingIds).toEqual([recent.Id]);
  });

  it('sorts by severity and pages with NextToken', async () => {
    const { admin, adminDetector } = await arrange();
    const severities = [3, 9, 5];
    const ids = severities.map((Severity) => world.guardduty.addFinding(MEMBER, REGION, { Severity }).Id);

    const first = await admin.send(
      new ListFindingsCommand({
        DetectorId: adminDetector,
        SortCriteria: { AttributeName: 'severity', OrderBy: 'DESC' },
        MaxResults: 2,
      }),
    );
    const second = await admin.send(
      new ListFindingsCommand({
        DetectorId: adminDetector,
        SortCriteria: { AttributeName: 'severity', OrderBy: 'DESC' },
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );

    expect([...first.FindingIds!, ...second.FindingIds!]).toEqual([ids[1], ids[2], ids[0]]);
  });

  it('returns whole findings by id and refuses more than 50 ids', async () => {
    const { admin, adminDetector } = await arrange();
    const stored = world.guardduty.addFinding(MEMBER, REGION, { Type: SSH, Severity: 5 });

    const out = await admin.send(
      new GetFindingsCommand({ DetectorId: adminDetector, FindingIds: [stored.Id!, 'missing'] }),
    );
    const tooMany = admin.send(
      new GetFindingsCommand({
        DetectorId: adminDetector,
        FindingIds: Array.from({ length: 51 }, (_, i) => `f${i}`),
      }),
    );

    expect(out.Findings).toEqual([stored]);
    expect(out.Findings![0]).toMatchObject({
      AccountId: MEMBER,
      Region: REGION,
      Service: { Archived: false, Count: 1 },
    });
    await expect(tooMany).rejects.toMatchObject({ name: 'BadRequestException' });
  });

  it('creates sample findings marked as samples and counts the call as mutating', async () => {
    const { admin, adminDetector } = await arrange();
    world.cloud.resetCalls();

    await admin.send(new CreateSampleFindingsCommand({ DetectorId: adminDetector, FindingTypes: [SSH] }));
    const { FindingIds } = await admin.send(new ListFindingsCommand({ DetectorId: adminDetector }));
    const { Findings } = await admin.send(new GetFindingsCommand({ DetectorId: adminDetector, FindingIds }));

    expect(Findings).toHaveLength(1);
    expect(Findings![0]).toMatchObject({
      Type: SSH,
      Service: { AdditionalInfo: { Value: '{"sample":true}' } },
    });
    expect(world.cloud.count({ service: 'guardduty', mutating: true })).toBe(1);
  });
});
