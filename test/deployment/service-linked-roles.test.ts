import type { LocalWarden } from '../../runtime/local-warden';
import { suiteIamCoverage } from '../../runtime/sandbox/iam-coverage';
import { REGION, SECURITY, startOneMemberDeployment } from '../fixtures/deployed-warden';

/**
 * The scheduled workflows that make sure of the administrator's detector (the drift sweep, the
 * free-trial watch) may be the first to enable GuardDuty in the security account, and so create
 * GuardDuty's service-linked role with their own role's iam:CreateServiceLinkedRole
 * (https://docs.aws.amazon.com/guardduty/latest/ug/slr-permissions.html).
 */
function slrStatementCallsOf(warden: LocalWarden, roleName: string): string[] {
  const role = warden.deployment!.stacks.get('WardenSecurity')!.roles.find((r) => r.roleName === roleName)!;
  return suiteIamCoverage
    .snapshot()
    .entries.filter(
      (e) =>
        e.role === `WardenSecurity/${role.logicalId}` &&
        e.statement === 'LetGuardDutyCreateItsServiceLinkedRoles',
    )
    .flatMap((e) => Object.keys(e.calls));
}

describe("GuardDuty's service-linked role, created by the first workflow that enables GuardDuty", () => {
  let warden: LocalWarden | undefined;
  afterEach(() => warden?.stop());

  it.each([
    ['sweep', 'WardenTask-SweepAccountBatch'],
    ['free-trial', 'WardenTask-ReadFreeTrialDays'],
  ])(
    'is created by the %s workflow in a security account that never had GuardDuty, as %s',
    async (workflow, roleName) => {
      warden = await startOneMemberDeployment({ workflows: [workflow] });
      expect(
        warden.world.services.iam.serviceLinkedRole(SECURITY, 'guardduty.amazonaws.com'),
      ).toBeUndefined();

      const { executionArn } = await warden.runSchedule(workflow);
      await warden.runtime.waitFor(executionArn);

      expect(warden.world.services.guardduty.detectorId(SECURITY, REGION)).toBeDefined();
      expect(warden.world.services.iam.serviceLinkedRole(SECURITY, 'guardduty.amazonaws.com')).toBeDefined();
      expect(slrStatementCallsOf(warden, roleName)).toEqual([
        expect.stringContaining('iam:CreateServiceLinkedRole arn:aws:iam::'),
      ]);
    },
  );
});
