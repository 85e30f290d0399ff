import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuardDutyClient, ListDetectorsCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import {
  checkCoverage,
  formatCoverageReport,
  readCoverageFiles,
  UnusedStatementsError,
  writeCoverageFile,
} from '../../../runtime/sandbox/iam-coverage';
import { factoryFor, failureOf, HOME_REGION, MANAGEMENT, makeBareOrganization, SECURITY } from './fixtures';

/** The core sandbox services on a cloud whose allowed calls are recorded in a coverage of its own. */
const coveredCloud = () => makeBareOrganization([]);

/** A trust policy that lets `service` assume the role. */
const trustedBy = (service: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
});

const ROLE = 'WardenSweep';

/** A declared role with one statement the test uses and one it never needs. */
function makeCoveredCloud() {
  const { coverage, cloud, services } = coveredCloud();
  services.iam.createRole(SECURITY, ROLE, {
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    },
    inlinePolicies: {
      sweep: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'ListDetectors', Effect: 'Allow', Action: 'guardduty:ListDetectors', Resource: '*' },
          { Effect: 'Allow', Action: 'guardduty:UpdateDetector', Resource: '*' },
        ],
      },
    },
    managedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
    declaredBy: { stack: 'WardenSecurity', logicalId: 'SweepRole' },
  });
  const gd = factoryFor(cloud, SECURITY, ROLE).client(GuardDutyClient, {
    account: SECURITY,
    region: HOME_REGION,
  });
  return { cloud, services, coverage, gd };
}

describe('IAM coverage', () => {
  it('lists every statement of a declared role with the calls it allowed, and fails on the one that allowed none', async () => {
    const { coverage, gd } = makeCoveredCloud();

    await gd.send(new ListDetectorsCommand({}));
    await gd.send(new ListDetectorsCommand({}));
    const report = formatCoverageReport(coverage.snapshot());

    expect(report).toContain('## WardenSecurity/SweepRole (WardenSweep)');
    expect(report).toContain('- sweep › ListDetectors: \n  - guardduty:ListDetectors * (2)');
    expect(report).toContain('- sweep › #2: **allowed nothing**');
    expect(() => checkCoverage(coverage.snapshot())).toThrow(UnusedStatementsError);
    expect(() => checkCoverage(coverage.snapshot())).toThrow(
      'WardenSecurity/SweepRole (WardenSweep) › sweep › #2',
    );
  });

  it('passes once every statement has allowed a call, and leaves AWS managed policies out', async () => {
    const { coverage, gd, services } = makeCoveredCloud();
    const detectorId = services.guardduty.ensureDetector(SECURITY, HOME_REGION);

    await gd.send(new ListDetectorsCommand({}));
    await gd.send(new UpdateDetectorCommand({ DetectorId: detectorId, Enable: true }));

    expect(coverage.unused()).toEqual([]);
    expect(() => checkCoverage(coverage.snapshot())).not.toThrow();
    expect(coverage.snapshot().entries.map((e) => e.policy)).toEqual(['sweep', 'sweep']);
  });

  it('checks a role only EventBridge assumes like any other: the sandbox delivers its rules as that role', () => {
    const { coverage, services } = coveredCloud();
    const forwarding = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Resource: `arn:aws:events:${HOME_REGION}:${SECURITY}:event-bus/default`,
        },
      ],
    };
    services.iam.createRole(MANAGEMENT, 'ForwardEvents', {
      trustPolicy: trustedBy('events.amazonaws.com'),
      inlinePolicies: { forward: forwarding },
      declaredBy: { stack: 'WardenManagement', logicalId: 'ForwardRole' },
    });
    services.iam.createRole(MANAGEMENT, 'SomeTask', {
      trustPolicy: trustedBy('lambda.amazonaws.com'),
      inlinePolicies: { forward: forwarding },
      declaredBy: { stack: 'WardenManagement', logicalId: 'TaskRole' },
    });

    const snapshot = coverage.snapshot();
    const report = formatCoverageReport(snapshot);

    expect(report).not.toContain('not exercised in the sandbox');
    expect(report).toContain('- forward › #1: **allowed nothing**');
    expect(coverage.unused().map((e) => e.role)).toEqual([
      'WardenManagement/ForwardRole',
      'WardenManagement/TaskRole',
    ]);
    expect(() => checkCoverage(snapshot)).toThrow('WardenManagement/TaskRole (SomeTask) › forward › #1');
    expect(() => checkCoverage(snapshot)).toThrow(
      'WardenManagement/ForwardRole (ForwardEvents) › forward › #1',
    );
  });

  it('lists the log and trace grants the Lambda and Step Functions services use as not exercised, and nothing mixed with them', () => {
    const { coverage, services } = coveredCloud();
    const logGroup = `arn:aws:logs:${HOME_REGION}:${SECURITY}:log-group:/aws/lambda/task:*`;
    services.iam.createRole(SECURITY, 'TaskRole', {
      trustPolicy: trustedBy('lambda.amazonaws.com'),
      inlinePolicies: {
        task: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: logGroup },
            { Effect: 'Allow', Action: ['logs:PutLogEvents', 'guardduty:ListDetectors'], Resource: '*' },
            { Effect: 'Allow', Action: 'xray:PutTraceSegments', Resource: '*' },
          ],
        },
      },
      declaredBy: { stack: 'WardenSecurity', logicalId: 'TaskRole' },
    });
    services.iam.createRole(SECURITY, 'MachineRole', {
      trustPolicy: trustedBy('states.amazonaws.com'),
      inlinePolicies: {
        machine: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['logs:CreateLogDelivery', 'logs:GetLogDelivery'], Resource: '*' },
            { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:GetSamplingRules'], Resource: '*' },
          ],
        },
      },
      declaredBy: { stack: 'WardenSecurity', logicalId: 'MachineRole' },
    });

    const snapshot = coverage.snapshot();
    const report = formatCoverageReport(snapshot);

    expect(report).toContain(
      "- task › #1: not exercised in the sandbox (used by Lambda to send the function's logs",
    );
    expect(report).toContain(
      '- machine › #1: not exercised in the sandbox (used by Step Functions to deliver execution logs',
    );
    expect(report).toContain(
      '- machine › #2: not exercised in the sandbox (used by Step Functions to send X-Ray traces',
    );
    // A Lambda role's X-Ray grant and a statement that also grants Warden's own calls are judged by their calls.
    expect(coverage.unused().map((e) => `${e.role} › ${e.statement}`)).toEqual([
      'WardenSecurity/TaskRole › #2',
      'WardenSecurity/TaskRole › #3',
    ]);
  });

  it('counts a grant of iam:CreateServiceLinkedRole like any other: the sandbox models the service-linked role GuardDuty creates', () => {
    const { coverage, services } = coveredCloud();
    services.iam.createRole(MANAGEMENT, 'MemberRole', {
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${SECURITY}:root` }, Action: 'sts:AssumeRole' },
        ],
      },
      inlinePolicies: {
        member: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'iam:CreateServiceLinkedRole', Resource: '*' },
            {
              Effect: 'Allow',
              Action: ['iam:CreateServiceLinkedRole', 'guardduty:CreateDetector'],
              Resource: '*',
            },
          ],
        },
      },
      declaredBy: { stack: 'StackSet-member', logicalId: 'MemberRole' },
    });

    const report = formatCoverageReport(coverage.snapshot());

    expect(report).not.toContain('not exercised in the sandbox');
    expect(coverage.unused().map((e) => e.statement)).toEqual(['#1', '#2']);
  });

  it('merges what each test worker wrote, statement by statement, across accounts', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'iam-coverage-'));
    try {
      const first = makeCoveredCloud();
      await first.gd.send(new ListDetectorsCommand({}));
      writeCoverageFile(first.coverage, directory, 'worker-1');
      const second = makeCoveredCloud();
      await second.gd.send(new ListDetectorsCommand({}));
      writeCoverageFile(second.coverage, directory, 'worker-2');

      const merged = readCoverageFiles(directory);

      expect(merged.entries).toEqual([
        expect.objectContaining({ statement: 'ListDetectors', calls: { 'guardduty:ListDetectors *': 2 } }),
        expect.objectContaining({ statement: '#2', calls: {} }),
      ]);
      expect(first.coverage.isEmpty()).toBe(true);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('records nothing for roles no template declares', async () => {
    const { coverage, cloud, services } = coveredCloud();
    services.iam.createRole(SECURITY, 'adhoc', {
      trustPolicy: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      inlinePolicies: {
        p: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'guardduty:ListDetectors', Resource: '*' }],
        },
      },
    });

    await factoryFor(cloud, SECURITY, 'adhoc')
      .client(GuardDutyClient, { account: SECURITY, region: HOME_REGION })
      .send(new ListDetectorsCommand({}));

    expect(coverage.isEmpty()).toBe(true);
  });
});

describe('IAM coverage of roles without policies', () => {
  it('records nothing for them: every call they sign is refused', async () => {
    const { coverage, cloud, services } = coveredCloud();
    services.iam.createRole(SECURITY, 'warden-execution', 'lambda.amazonaws.com');
    const gd = factoryFor(cloud, SECURITY, 'warden-execution').client(GuardDutyClient, {
      account: SECURITY,
      region: HOME_REGION,
    });

    const refused = await failureOf(gd.send(new ListDetectorsCommand({})));

    expect(refused.name).toBe('AccessDeniedException');
    expect(coverage.isEmpty()).toBe(true);
    expect(formatCoverageReport(coverage.snapshot())).toContain('0 statements of 0 declared roles');
    expect(() => checkCoverage(coverage.snapshot())).not.toThrow();
  });
});
