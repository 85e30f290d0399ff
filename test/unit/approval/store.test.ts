import {
  AlreadyDecidedError,
  ApprovalExpiredError,
  ApprovalNotFoundError,
} from '../../../tasks/approval/errors';
import {
  APPROVAL_ID_PATTERN,
  type ApprovalStore,
  KEEP_AFTER_EXPIRY_DAYS,
} from '../../../tasks/approval/store';
import { type ApprovalWorld, makeApprovalRequest, makeApprovalStoreWorld, START } from './fixtures';

describe('ApprovalStore (against dynalite)', () => {
  let w: ApprovalWorld;
  let store: ApprovalStore;

  beforeEach(async () => {
    ({ w, store } = await makeApprovalStoreWorld());
  });
  afterEach(() => w.close());

  const create = () => store.create({ taskToken: 'token-1', request: makeApprovalRequest() });

  describe('create', () => {
    it('stores a pending approval under an unguessable id', async () => {
      const first = await create();
      const second = await create();

      expect(first.pk).toMatch(APPROVAL_ID_PATTERN);
      expect(Buffer.from(first.pk, 'base64url')).toHaveLength(32);
      expect(second.pk).not.toBe(first.pk);
      expect(first.csrfNonce).not.toBe(second.csrfNonce);
      expect(await store.get(first.pk)).toEqual(first);
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
      await w.clock.advance(60_000);

      const decided = await store.decide(pk, {
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
      expect(await store.get(pk)).toEqual(decided);
    });

    it('fails with AlreadyDecidedError the second time, keeping the first decision', async () => {
      const { pk } = await create();
      await store.decide(pk, { status: 'APPROVED', decidedBy: 'alice', reason: '' });

      const second = store.decide(pk, { status: 'REJECTED', decidedBy: 'bob', reason: '' });

      await expect(second).rejects.toBeInstanceOf(AlreadyDecidedError);
      await expect(second).rejects.toMatchObject({ decision: { status: 'APPROVED', decidedBy: 'alice' } });
      expect(await store.get(pk)).toMatchObject({ status: 'APPROVED', decidedBy: 'alice' });
    });

    it('lets exactly one of two concurrent decisions win', async () => {
      const { pk } = await create();

      const outcomes = await Promise.allSettled([
        store.decide(pk, { status: 'APPROVED', decidedBy: 'alice', reason: '' }),
        store.decide(pk, { status: 'REJECTED', decidedBy: 'bob', reason: '' }),
      ]);

      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const [lost] = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(lost?.reason).toBeInstanceOf(AlreadyDecidedError);
    });

    it('fails with ApprovalExpiredError once the approval expired, and leaves it pending', async () => {
      const { pk } = await create();
      await w.clock.advance(3_600_000);

      const late = store.decide(pk, { status: 'APPROVED', decidedBy: 'alice', reason: '' });

      await expect(late).rejects.toBeInstanceOf(ApprovalExpiredError);
      expect(await store.get(pk)).toMatchObject({ status: 'PENDING' });
    });

    it('fails with ApprovalNotFoundError for an unknown id, and creates nothing', async () => {
      const forged = 'A'.repeat(43);

      const attempt = store.decide(forged, { status: 'APPROVED', decidedBy: 'alice', reason: '' });

      await expect(attempt).rejects.toBeInstanceOf(ApprovalNotFoundError);
      expect(await store.get(forged)).toBeUndefined();
    });
  });

  describe('setDelivery', () => {
    it('moves the delivery status only from the expected one', async () => {
      const { pk } = await create();
      await store.decide(pk, { status: 'REJECTED', decidedBy: 'bob', reason: '' });

      expect(await store.setDelivery(pk, 'FAILED', 'DELIVERED')).toBe(false);
      expect(await store.setDelivery(pk, 'FAILED', 'PENDING')).toBe(true);
      expect(await store.get(pk)).toMatchObject({ delivery: 'FAILED' });
    });
  });
});
