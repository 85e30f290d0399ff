import type { ApprovalStore } from '../../../tasks/approval/store';
import { type ApprovalWorld, makeApprovalRequest, makeApprovalStoreWorld, START } from './fixtures';

describe('ApprovalStore.listPending (against dynalite)', () => {
  let w: ApprovalWorld;
  let store: ApprovalStore;

  beforeEach(async () => {
    ({ w, store } = await makeApprovalStoreWorld());
  });
  afterEach(() => w.close());

  const create = (expiresInMs = 3_600_000) =>
    store.create({
      taskToken: 'secret-task-token',
      executionArn: 'arn:aws:states:eu-west-1:222222222222:execution:warden-response:x',
      request: makeApprovalRequest({ expiresAt: new Date(w.clock.now() + expiresInMs).toISOString() }),
    });

  it('lists the approvals still waiting, oldest first', async () => {
    const first = await create();
    await w.clock.advance(1000);
    const second = await create();

    const pending = await store.listPending();

    expect(pending.map((p) => p.pk)).toEqual([first.pk, second.pk]);
    expect(pending[0]).toMatchObject({
      status: 'PENDING',
      createdAt: new Date(START).toISOString(),
      executionArn: first.executionArn,
      request: first.request,
    });
  });

  it('leaves out decided and expired approvals', async () => {
    const decided = await create();
    await store.decide(decided.pk, { status: 'REJECTED', decidedBy: 'bob', reason: '' });
    await create(60_000);
    const waiting = await create(7_200_000);
    await w.clock.advance(60_000);

    const pending = await store.listPending();

    expect(pending.map((p) => p.pk)).toEqual([waiting.pk]);
  });

  it('never returns the task token or the CSRF nonce', async () => {
    await create();

    const pending = await store.listPending();

    expect(Object.keys(pending[0]!).sort()).toEqual(
      ['createdAt', 'executionArn', 'expiresAt', 'pk', 'request', 'status'].sort(),
    );
    expect(JSON.stringify(pending)).not.toContain('secret-task-token');
  });
});
