import {
  AlreadyDecidedError,
  ApprovalExpiredError,
  ApprovalNotFoundError,
} from '../../../tasks/approval/errors';
import { APPROVAL_ID_PATTERN, KEEP_AFTER_EXPIRY_DAYS } from '../../../tasks/approval/store';
import { deployApprovals, makeApprovalRequest, START } from './fixtures';

describe('ApprovalStore (on the deployed approvals table, as RequestApproval and ApprovalPage use it)', () => {
  const t = deployApprovals('ApprovalPage');

  const create = () => t.requests.create({ taskToken: 'token-1', request: makeApprovalRequest() });

  describe('create', () => {
    it('stores a pending approval under an unguessable id', async () => {
      const first = await create();
      const second = await create();

      expect(first.pk).toMatch(APPROVAL_ID_PATTERN);
      expect(Buffer.from(first.pk, 'base64url')).toHaveLength(32);
      expect(second.pk).not.toBe(first.pk);
      expect(first.csrfNonce).not.toBe(second.csrfNonce);
      expect(await t.store.get(first.pk)).toEqual(first);
      expect(first).toMatchObject({
        status: 'PENDING',
        taskToken: 'token-1',
        createdAt: new Date(START).toISOString(),
        expiresAt: new Date(START + 3_600_000).toISOString(),
      });
    });

    it('lets DynamoDB remove the item some days after the approval expires', async () => {
      const record = await create();

      expect(record.ttl).toBe((START + 3_600_000) / 1000 + KEEP_AFTER_EXPIRY_DAYS * 86_400);
    });
  });

  describe('decide', () => {
    it('records the approver, time and reason', async () => {
      const { pk } = await create();
      await t.clock.advance(60_000);

      const decided = await t.store.decide(pk, {
        status: 'APPROVED',
        decidedBy: 'alice',
        reason: 'known scanner',
      });

      expect(decided).toMatchObject({
        status: 'APPROVED',
        decidedBy: 'alice',
        decidedAt: new Date(START + 60_000).toISOString(),
        reason: 'known scanner',
        delivery: 'PENDING',
      });
      expect(await t.store.get(pk)).toEqual(decided);
    });

    it('fails with AlreadyDecidedError the second time, keeping the first decision', async () => {
      const { pk } = await create();
      await t.store.decide(pk, { status: 'APPROVED', decidedBy: 'alice', reason: '' });

      const second = t.store.decide(pk, { status: 'REJECTED', decidedBy: 'bob', reason: '' });

      await expect(second).rejects.toBeInstanceOf(AlreadyDecidedError);
      await expect(second).rejects.toMatchObject({ decision: { status: 'APPROVED', decidedBy: 'alice' } });
      expect(await t.store.get(pk)).toMatchObject({ status: 'APPROVED', decidedBy: 'alice' });
    });

    it('lets exactly one of two concurrent decisions win', async () => {
      const { pk } = await create();

      const outcomes = await Promise.allSettled([
        t.store.decide(pk, { status: 'APPROVED', decidedBy: 'alice', reason: '' }),
        t.store.decide(pk, { status: 'REJECTED', decidedBy: 'bob', reason: '' }),
      ]);

      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const [lost] = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(lost?.reason).toBeInstanceOf(AlreadyDecidedError);
    });

    it('fails with ApprovalExpiredError once the approval expired, and leaves it pending', async () => {
      const { pk } = await create();
      await t.clock.advance(3_600_000);

      const late = t.store.decide(pk, { status: 'APPROVED', decidedBy: 'alice', reason: '' });

      await expect(late).rejects.toBeInstanceOf(ApprovalExpiredError);
      expect(await t.store.get(pk)).toMatchObject({ status: 'PENDING' });
    });

    it('fails with ApprovalNotFoundError for an unknown id, and creates nothing', async () => {
      const forged = 'A'.repeat(43);

      const attempt = t.store.decide(forged, { status: 'APPROVED', decidedBy: 'alice', reason: '' });

      await expect(attempt).rejects.toBeInstanceOf(ApprovalNotFoundError);
      expect(await t.store.get(forged)).toBeUndefined();
    });
  });

  describe('setDelivery', () => {
    it('moves the delivery status only from the expected one', async () => {
      const { pk } = await create();
      await t.store.decide(pk, { status: 'REJECTED', decidedBy: 'bob', reason: '' });

      expect(await t.store.setDelivery(pk, 'FAILED', 'DELIVERED')).toBe(false);
      expect(await t.store.setDelivery(pk, 'FAILED', 'PENDING')).toBe(true);
      expect(await t.store.get(pk)).toMatchObject({ delivery: 'FAILED' });
    });
  });

  describe('listPending', () => {
    /** The ids this test created: the table is shared with the file's other tests. */
    let mine: Set<string>;
    beforeEach(() => {
      mine = new Set();
    });
    const createExpiringIn = async (expiresInMs = 3_600_000) => {
      const record = await t.requests.create({
        taskToken: 'secret-task-token',
        executionArn: 'arn:aws:states:eu-west-1:222222222222:execution:warden-response:x',
        request: makeApprovalRequest({ expiresAt: new Date(t.clock.now() + expiresInMs).toISOString() }),
      });
      mine.add(record.pk);
      return record;
    };
    const listMine = async () => (await t.store.listPending()).filter((p) => mine.has(p.pk));

    it('lists the approvals still waiting, oldest first', async () => {
      const first = await createExpiringIn();
      await t.clock.advance(1000);
      const second = await createExpiringIn();

      const pending = await listMine();

      expect(pending.map((p) => p.pk)).toEqual([first.pk, second.pk]);
      expect(pending[0]).toMatchObject({
        status: 'PENDING',
        createdAt: new Date(START).toISOString(),
        executionArn: first.executionArn,
        request: first.request,
      });
    });

    it('leaves out decided and expired approvals', async () => {
      const decided = await createExpiringIn();
      await t.store.decide(decided.pk, { status: 'REJECTED', decidedBy: 'bob', reason: '' });
      await createExpiringIn(60_000);
      const waiting = await createExpiringIn(7_200_000);
      await t.clock.advance(60_000);

      const pending = await listMine();

      expect(pending.map((p) => p.pk)).toEqual([waiting.pk]);
    });

    it('never returns the task token or the CSRF nonce', async () => {
      await createExpiringIn();

      const pending = await listMine();

      expect(Object.keys(pending[0]!).sort()).toEqual(
        ['createdAt', 'executionArn', 'expiresAt', 'pk', 'request', 'status'].sort(),
      );
      expect(JSON.stringify(pending)).not.toContain('secret-task-token');
    });
  });
});
