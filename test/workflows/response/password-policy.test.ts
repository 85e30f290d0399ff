import { type ResponseHarness, startResponseHarness } from './harness';

/**
 * A password-policy finding: Notify reads the member account's password policy through the member
 * role (Notify's AssumeWardenMemberRole, the member role's iam:GetAccountPasswordPolicy) and says
 * how it compares with the configured baseline, on the deployed Warden under enforcement.
 */
const PASSWORD_POLICY_CHANGE = {
  type: 'Stealth:IAMUser/PasswordPolicyChange',
  severity: 2,
  actionType: 'AWS_API_CALL' as const,
};

function lastMessage(h: ResponseHarness): string {
  const outbox = h.warden.world.services.sns.outbox;
  return outbox[outbox.length - 1]?.message ?? '';
}

describe('a password policy change in a member account', () => {
  let h: ResponseHarness;
  afterEach(() => h?.stop());

  it("reads the member account's policy through the member role and says it was deleted", async () => {
    h = await startResponseHarness();

    const intake = await h.deliver(PASSWORD_POLICY_CHANGE);
    const record = await h.warden.runtime.waitFor(intake.executionArn!);

    expect(record.status).toBe('SUCCEEDED');
    expect(h.warden.world.services.sns.outbox.map((m) => m.attributes.category)).toEqual([
      'PASSWORD_POLICY_CHANGED',
    ]);
    expect(lastMessage(h)).toContain('The account has NO password policy now: it was deleted.');
    expect(lastMessage(h)).not.toContain('could not read the password policy');
    expect(
      h.warden.world.cloud.calls.filter(
        (c) => c.operation === 'GetAccountPasswordPolicy' && c.account === '333333333333',
      ),
    ).toHaveLength(1);
  });
});
