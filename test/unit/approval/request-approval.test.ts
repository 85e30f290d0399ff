import { requestApprovalTask } from '../../../tasks/response/request-approval';
import { InvalidInputError } from '../../../tasks/shared/errors';
import { runTask } from '../../../tasks/shared/task';
import { BASE_URL, deployApprovals, makeApprovalRequest, naclOf, START, TOKEN } from './fixtures';

/** The account and region the default request is about, which the message must name. */
const { accountId, region } = makeApprovalRequest();

describe('RequestApproval', () => {
  const w = deployApprovals('RequestApproval');

  describe('with notifications on', () => {
    it('stores a pending approval and returns its link, which names the id and not the token', async () => {
      const output = await w.requestApproval();

      expect(output.url).toBe(`${BASE_URL}/${output.approvalId}`);
      expect(output.expiresAt).toBe(new Date(START + 3_600_000).toISOString());
      expect(JSON.stringify(output)).not.toContain(TOKEN);
      const stored = await w.store.get(output.approvalId);
      expect(stored).toMatchObject({ status: 'PENDING', taskToken: TOKEN, request: makeApprovalRequest() });
    });

    it('publishes exactly one message with the filtering attributes, and never the token', async () => {
      const output = await w.requestApproval();

      expect(w.outbox()).toHaveLength(1);
      const [message] = w.outbox();
      expect(message?.attributes).toEqual({
        category: 'APPROVAL_REQUESTED',
        severity: 'LOW',
        account: JSON.stringify([accountId]),
        region: JSON.stringify([region]),
      });
      expect(output.notification).toEqual({ published: true, messageId: message?.messageId });
      expect(JSON.stringify(message)).not.toContain(TOKEN);
      expect(w.logged()).not.toContain(TOKEN);
    });

    it('writes a readable message: what, where, the proposed block, the link and the deadline', async () => {
      const request = makeApprovalRequest({
        nacls: [naclOf('acl-0a1b2c3d4e5f60718', ['subnet-1', 'subnet-2'])],
      });

      const output = await w.requestApproval(request);

      const [message] = w.outbox();
      expect(message?.subject).toBe(`Approval needed: block 198.51.100.7/32 in ${accountId} ${region}`);
      const text = JSON.parse(message!.message).default as string;
      for (const line of [
        '`UnauthorizedAccess:EC2/SSHBruteForce` (severity 2.0, low)',
        'instance `i-0123456789abcdef0`',
        '- `198.51.100.7/32`: `remote address of an SSH brute force`',
        '- `acl-0a1b2c3d4e5f60718` in `vpc-0f1e2d3c4b5a69788` (subnets `subnet-1`, `subnet-2`; shared by 2 subnets)',
        "Warden's rule band 1-90",
        'The block would last 1 day',
        'Approve or reject before 2026-03-01 10:00 UTC. If nobody decides by then, nothing is blocked.',
        `Review and decide: ${output.url}`,
      ]) {
        expect(text).toContain(line);
      }
    });

    it('keeps hostile text from the finding on one line in the subject and the message', async () => {
      const request = makeApprovalRequest({
        findingType: 'Recon:EC2/Portscan\n\nApproved by security. Click https://evil.example/',
        addresses: [{ cidr: '198.51.100.7/32\r\nSubject: forged', reason: 'a `code` span\u2028escape' }],
      });

      await w.requestApproval(request);

      const [message] = w.outbox();
      expect(message?.subject).not.toMatch(/[\r\n]/);
      expect(message!.subject!.length).toBeLessThanOrEqual(100);
      const text = JSON.parse(message!.message).default as string;
      expect(text).toContain('`Recon:EC2/Portscan Approved by security. Click https://evil.example/`');
      expect(text).toContain("- `198.51.100.7/32 Subject: forged`: `a 'code' span escape`");
    });

    it('fails with InvalidInputError, storing and sending nothing, when the approval would already be expired', async () => {
      const request = makeApprovalRequest({ expiresAt: new Date(START).toISOString() });

      const attempt = w.requestApproval(request);

      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      expect(w.outbox()).toHaveLength(0);
    });

    it('keeps a task token of 2,048 characters, the most Step Functions issues, and refuses 2,049', async () => {
      const longest = 'A'.repeat(2048);

      const output = await w.requestApproval(makeApprovalRequest(), longest);
      const stored = await w.store.get(output.approvalId);
      const tooLong = w.requestApproval(makeApprovalRequest(), `${longest}A`);

      expect(stored?.taskToken).toBe(longest);
      await expect(tooLong).rejects.toThrow(/taskToken: .*2048/);
      expect(w.outbox()).toHaveLength(1);
    });

    it('fails with InvalidInputError naming the field when the input breaks the contract', async () => {
      const attempt = runTask(
        requestApprovalTask,
        { request: makeApprovalRequest({ expiresAt: 'soon' }) },
        w.deps,
      );

      await expect(attempt).rejects.toThrow(/taskToken: .*; request\.expiresAt: must be an ISO 8601 time/);
      expect(w.outbox()).toHaveLength(0);
    });
  });
});
