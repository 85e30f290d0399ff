import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { FindingsViewResult } from '../../cli/findings/view';
import { OUTPUTS } from '../../infra/outputs';
import {
  AWS_TEST_REGIONS,
  deployStackOutputs,
  removeStackOutputs,
  useAwsEndpoints,
} from '../fixtures/aws-target';
import { exampleOrganization } from '../fixtures/example-organization';
import { makeFinding } from '../fixtures/findings';
import {
  type GuardDutyEndpoint,
  startGuardDutyEndpoint,
  type WireFinding,
} from '../fixtures/guardduty-endpoint';
import { MOTO_URL } from '../moto-server';
import { runCli } from './run-cli';

/**
 * `warden findings --region` against Warden in AWS, past the stack lookup: the tables named by the
 * security stack's outputs (moto's CloudFormation and DynamoDB) and GuardDuty's ListDetectors,
 * ListFindings and GetFindings through the real `@aws-sdk/client-guardduty`, answered by a
 * loopback GuardDuty endpoint the test serves (moto has no ListFindings). The expected counts are
 * computed from the findings the endpoint holds, not from the view.
 */
const HOME = AWS_TEST_REGIONS.findingsAws;
const OTHER = 'eu-west-1';
const SUFFIX = `${process.pid}-${Date.now()}`;
const LEDGER = `warden-findings-ledger-${SUFFIX}`;
const APPROVALS = `warden-findings-approvals-${SUFFIX}`;
const BLOCKED = '203.0.113.1';

function finding(i: number, options: Parameters<typeof makeFinding>[0]): WireFinding {
  const at = new Date(Date.parse('2026-03-01T10:00:00Z') + i * 60_000).toISOString();
  return {
    ...makeFinding({ id: i.toString(16).padStart(32, '0'), ...options }),
    updatedAt: at,
  } as WireFinding;
}

// 120 open findings and 10 archived ones at home (severities 1–9 in turn), 7 High ones elsewhere.
const AT_HOME = [
  ...Array.from({ length: 120 }, (_, i) =>
    finding(i, {
      accountId: '300000000001',
      region: HOME,
      severity: 1 + (i % 9),
      remoteIp: `203.0.113.${1 + (i % 5)}`,
    }),
  ),
  ...Array.from({ length: 10 }, (_, i) =>
    finding(200 + i, { accountId: '300000000001', region: HOME, severity: 8, archived: true }),
  ),
];
const ELSEWHERE = Array.from({ length: 7 }, (_, i) =>
  finding(300 + i, { accountId: '300000000002', region: OTHER, severity: 8, remoteIp: '198.51.100.77' }),
);

describe('warden findings in AWS', () => {
  let dir: string;
  let config: string;
  let guardduty: GuardDutyEndpoint;
  let dynamo: DynamoDBClient;
  let restore: () => void;
  const findings = async (args: string[]) => {
    const run = await runCli([
      'findings',
      '--region',
      `${HOME},${OTHER}`,
      '--config',
      config,
      '--json',
      ...args,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout) as FindingsViewResult;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-findings-aws-'));
    config = join(dir, 'warden.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        organization: exampleOrganization([HOME, OTHER]),
        response: { mode: 'enforce' },
      }),
    );
    guardduty = await startGuardDutyEndpoint({ [HOME]: AT_HOME, [OTHER]: ELSEWHERE });
    restore = useAwsEndpoints({ guardduty: guardduty.url, dynamodb: MOTO_URL });
    dynamo = new DynamoDBClient({ region: HOME });
    for (const table of [LEDGER, APPROVALS]) {
      await dynamo.send(
        new CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    }
    await dynamo.send(
      new PutItemCommand({
        TableName: LEDGER,
        Item: {
          pk: { S: `block#acl-0123456789abcdef0#${BLOCKED}/32` },
          kind: { S: 'ACTIVE_BLOCK' },
          cidr: { S: `${BLOCKED}/32` },
          naclId: { S: 'acl-0123456789abcdef0' },
          account: { S: '300000000001' },
          expiresAt: { S: '2026-03-02T10:00:00.000Z' },
        },
      }),
    );
    await deployStackOutputs(
      {
        [OUTPUTS.tableName('ledger')]: LEDGER,
        [OUTPUTS.tableName('approvals')]: APPROVALS,
      },
      HOME,
    );
  });

  afterAll(async () => {
    await removeStackOutputs(HOME);
    for (const table of [LEDGER, APPROVALS]) await dynamo?.send(new DeleteTableCommand({ TableName: table }));
    dynamo?.destroy();
    restore?.();
    await guardduty?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    guardduty.requests.length = 0;
  });

  it('lists every open finding of every region, page by page, 50 ids per page', async () => {
    const result = await findings([]);

    expect(result.total).toBe(127);
    expect(result.byRegion).toEqual({ [HOME]: 120, [OTHER]: 7 });
    expect(result.source).toMatchObject({ regions: [HOME, OTHER], listCalls: 4, getCalls: 4 });
    const pages = guardduty.requests.filter((r) => r.operation === 'GetFindings');
    expect(pages.map((r) => [r.region, (r.body.findingIds as string[]).length])).toEqual([
      [HOME, 50],
      [HOME, 50],
      [HOME, 20],
      [OTHER, 7],
    ]);
    const lists = guardduty.requests.filter((r) => r.operation === 'ListFindings');
    expect(lists.map((r) => [r.body.maxResults, r.body.nextToken === undefined])).toEqual([
      [50, true],
      [50, false],
      [50, false],
      [50, true],
    ]);
    expect(new Set(pages.flatMap((r) => r.body.findingIds as string[])).size).toBe(127);
  });

  it("shows what Warden's ledger in the stack's table says about an attacker", async () => {
    const result = await findings([]);

    const attacker = result.topAttackers.find((a) => a.cidr.startsWith(`${BLOCKED}/`));
    expect(attacker).toMatchObject({ findings: 24, warden: 'BLOCKED' });
    expect(attacker!.detail).toContain('acl-0123456789abcdef0');
  });

  it('lets GuardDuty filter by severity and archived flag, as the criteria ask', async () => {
    const high = await findings(['--severity', 'HIGH']);
    const withArchived = await findings(['--archived']);

    // Severities 7–9 are three of each nine at home: 13 full turns of nine in 120.
    expect(high.total).toBe(39 + 7);
    expect(withArchived.total).toBe(137);
    const criteria = guardduty.requests.find((r) => r.operation === 'ListFindings')!.body.findingCriteria;
    expect(criteria).toEqual({
      criterion: { 'service.archived': { equals: ['false'] }, severity: { greaterThanOrEqual: 7 } },
    });
  });
});
