import { deployApprovals, makeConfig } from './fixtures';

describe('RequestApproval with APPROVAL_REQUESTED switched off', () => {
  const w = deployApprovals(
    'RequestApproval',
    makeConfig({ notifications: { disabled: ['APPROVAL_REQUESTED'] } }),
  );

  it('still stores the approval, publishes nothing, and says so in its output', async () => {
    const output = await w.requestApproval();

    expect(w.outbox()).toHaveLength(0);
    expect(output.notification).toEqual({
      published: false,
      reason: 'category APPROVAL_REQUESTED is switched off in config',
    });
    expect(await w.store.get(output.approvalId)).toMatchObject({
      status: 'PENDING',
    });
  });
});
