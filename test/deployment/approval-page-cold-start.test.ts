import type { LocalWarden } from '../../runtime/local-warden';
import { suiteIamCoverage } from '../../runtime/sandbox/iam-coverage';
import { setupApprovalPage } from '../../tasks/approval/lambda';
import { SECURITY, startOneMemberDeployment } from '../fixtures/deployed-warden';

/**
 * The approval page's cold start on the deployed Warden: with its own role and the environment
 * the template gives it, it reads the session key from the secret the stack creates (Secrets
 * Manager in the sandbox), and a role without the secret's grant cannot start.
 */

function startWarden(): Promise<LocalWarden> {
  return startOneMemberDeployment({ workflows: ['response'] });
}

function approvalPage(warden: LocalWarden) {
  const stack = warden.deployment!.stacks.get('WardenSecurity')!;
  const fn = stack.functions.find((f) => f.taskId === 'ApprovalPage')!;
  const role = stack.roles.find((r) => r.roleName === fn.roleName)!;
  return { fn, role };
}

describe("the approval page's cold start", () => {
  let warden: LocalWarden | undefined;
  afterEach(() => warden?.stop());

  it('reads the session key the stack generated, with its own role', async () => {
    warden = await startWarden();
    const { fn, role } = approvalPage(warden);
    const secretArn = fn.environment.SESSION_SECRET_ARN!;
    expect(warden.world.services.secretsManager.secret(secretArn)?.versions.get('AWSCURRENT')).toHaveLength(
      64,
    );

    const page = await setupApprovalPage(warden.functionDeps('ApprovalPage'), fn.environment);

    expect(page.signIn).toBeDefined();
    const reads = warden.world.cloud.calls.filter((c) => c.service === 'secretsmanager');
    // The current version, and the previous one a rotation would leave (none: never rotated).
    expect(reads.map((c) => c.error)).toEqual([undefined, 'ResourceNotFoundException']);
    const allowed = suiteIamCoverage
      .snapshot()
      .entries.filter((e) => e.role === `WardenSecurity/${role.logicalId}`)
      .flatMap((e) => Object.keys(e.calls));
    expect(allowed).toContain(`secretsmanager:GetSecretValue ${secretArn}`);
  });

  it('cannot start when its role may not read the secret', async () => {
    warden = await startWarden();
    const { fn, role } = approvalPage(warden);
    const iam = warden.world.services.iam;
    for (const [name, document] of Object.entries(role.inlinePolicies)) {
      const kept = document.Statement.filter(
        (s) => ![s.Action].flat().some((a) => String(a).startsWith('secretsmanager:')),
      );
      iam.putRolePolicy(SECURITY, role.roleName, name, { ...document, Statement: kept });
    }

    await expect(setupApprovalPage(warden.functionDeps('ApprovalPage'), fn.environment)).rejects.toThrow(
      `is not authorized to perform: secretsmanager:GetSecretValue on resource: ${fn.environment.SESSION_SECRET_ARN}`,
    );
  });
});
