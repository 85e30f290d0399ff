import { expect } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { WardenConfig } from '../../config/schema';
import { ManualClock } from '../../runtime/clock';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import type { ApprovalRequest } from '../../tasks/approval/contract';
import { ApprovalStore } from '../../tasks/approval/store';
import { requestApprovalTask } from '../../tasks/response/request-approval';
import { callbackTask } from '../../workflows/asl';
import { exampleConfig } from '../fixtures/served-warden';

/**
 * What the approval tests in a browser share: a local Warden running only the approval callback
 * (so they do not depend on the whole response workflow), the request it asks about, and the link
 * a person receives. The test files mock `workflows/index` themselves, so that the real workflows
 * are not registered.
 */

export const START = Date.parse('2026-03-01T09:00:00Z');
export const HOUR = 3_600_000;
export const MEMBER = '333333333333';

export function approvalConfig(localApprovers: readonly string[]): WardenConfig {
  return exampleConfig({ response: { mode: 'enforce' }, approvals: { localApprovers: [...localApprovers] } });
}

/** Just the approval, so these tests do not depend on the whole response workflow. */
const approvalOnly = {
  StartAt: 'Ask a person to approve the block',
  States: {
    'Ask a person to approve the block': callbackTask({
      task: 'RequestApproval',
      payload: { 'request.$': '$.request', 'executionArn.$': '$$.Execution.Id' },
      timeoutSeconds: 3600,
      resultPath: '$.decision',
      next: 'Block approved',
    }),
    'Block approved': { Type: 'Succeed' },
  },
};

/** One address in one NACL of MEMBER, expiring at `expiresAt`; `changes` replace fields. */
export function makeApprovalRequest(
  expiresAt: number,
  changes: Partial<ApprovalRequest> = {},
): ApprovalRequest {
  return {
    findingId: 'e2e0a1b2c3d4e5f60718293a4b5c6d7e',
    findingType: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 5.8,
    accountId: MEMBER,
    region: 'eu-west-1',
    instanceId: 'i-0123456789abcdef0',
    addresses: [{ cidr: '198.51.100.7/32', reason: 'remote address of an SSH brute force (TARGET)' }],
    nacls: [
      {
        naclId: 'acl-0a1b2c3d4e5f60718',
        vpcId: 'vpc-0f1e2d3c4b5a69788',
        subnetIds: ['subnet-0a1b2c3d4e5f60718'],
      },
    ],
    blockMinutes: 60,
    ruleBand: { start: 1, end: 90 },
    expiresAt: new Date(expiresAt).toISOString(),
    onTimeout: 'reject',
    dryRun: false,
    ...changes,
  };
}

export interface ApprovalWarden {
  warden: LocalWarden;
  clock: ManualClock;
  /** Starts an execution that waits for a decision and returns the link its notification carries. */
  requestApproval(): Promise<{ executionArn: string; link: string; approvalId: string }>;
  /** The stored approval. */
  approval(id: string): ReturnType<ApprovalStore['get']>;
  /** How many SendTaskSuccess/SendTaskFailure calls reached Step Functions so far. */
  callbacksSent(): number;
}

export async function startApprovalWarden(options: {
  name: string;
  config: WardenConfig;
  /** Accounts of the organisation besides MEMBER, the account every request names. */
  otherMembers?: { id: string; name: string; email: string }[];
  /** The request each execution asks about, for an approval that expires at `expiresAt`. */
  request: (expiresAt: number) => ApprovalRequest;
}): Promise<ApprovalWarden> {
  const clock = new ManualClock(START);
  const members = [
    { id: MEMBER, name: 'workloads', email: 'workloads@example.com' },
    ...(options.otherMembers ?? []),
  ];
  const warden = await startLocalWarden({ config: options.config, clock, members });
  const stateMachineArn = warden.runtime.register({
    name: options.name,
    definition: approvalOnly,
    tasks: [requestApprovalTask],
  });
  return {
    warden,
    clock,
    async requestApproval() {
      const outbox = warden.world.services.sns.outbox;
      const before = outbox.length;
      const { executionArn } = warden.runtime.start(stateMachineArn, {
        request: options.request(clock.now() + HOUR),
      });
      await until(() => outbox.length > before);
      const text = JSON.parse(outbox[outbox.length - 1]!.message).default as string;
      const link = /Review and decide: (\S+)/.exec(text)![1]!;
      return { executionArn, link, approvalId: link.split('/').pop()! };
    },
    approval: (id) => ApprovalStore.fromDeps(warden.deps).get(id),
    callbacksSent: () =>
      warden.world.cloud.calls.filter((c) => c.service === 'sfn' && c.operation.startsWith('SendTask'))
        .length,
  };
}

/** Clicks a button that posts the form; resolves with the POST's response once the page loaded. */
export async function submit(page: Page, selector: string) {
  const posted = page.waitForResponse((r) => r.request().method() === 'POST');
  await page.click(selector);
  const response = await posted;
  await page.waitForLoadState();
  return response;
}

/**
 * Waits for the execution to end as the approver decided: approved, it succeeds with an approval
 * carrying `fields` in its output's decision; rejected, it fails with ApprovalRejected, its cause
 * carrying `fields`.
 */
export async function expectDecided(
  warden: LocalWarden,
  executionArn: string,
  verdict: 'approved' | 'rejected',
  fields: Record<string, unknown>,
) {
  const record = await warden.runtime.waitFor(executionArn);
  if (verdict === 'approved') {
    expect(record.status).toBe('SUCCEEDED');
    expect(JSON.parse(record.output!).decision).toMatchObject({ approved: true, ...fields });
  } else {
    expect(record).toMatchObject({ status: 'FAILED', error: 'ApprovalRejected' });
    expect(JSON.parse(record.cause!)).toMatchObject(fields);
  }
  return record;
}

export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
