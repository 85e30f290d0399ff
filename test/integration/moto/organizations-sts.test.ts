import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ClientFactory } from '../../../tasks/shared/aws-clients';
import { MOTO_URL } from '../../moto-server';
import {
  assumeRole,
  createAccount,
  createWardenOrganization,
  ensureOrganization,
  HOME_REGION,
  MEMBER_ROLE,
  type MotoAccount,
  managementClient,
  OTHER_REGION,
} from './moto-organization';

/**
 * Organizations and STS on moto over HTTP with the real SDK: the organisation Warden governs, and
 * the hop from the security account into a member account through Warden's role. moto switches
 * account for assumed-role credentials, so GetCallerIdentity tells whose credentials a client has.
 */
let security: MotoAccount;
let member: MotoAccount;
let clients: ClientFactory;

function stsWith(credentials: MotoAccount['admin']): STSClient {
  return new STSClient({ endpoint: MOTO_URL, region: OTHER_REGION, credentials, maxAttempts: 1 });
}

beforeAll(async () => {
  ({ security, member, clients } = await createWardenOrganization('sts'));
});

afterAll(() => {
  clients.destroy();
});

describe('the organisation on moto', () => {
  it('has the management account as its master and the created accounts as ACTIVE members with their own ids', async () => {
    const organizations = managementClient(OrganizationsClient, OTHER_REGION);

    const organization = await ensureOrganization();
    const described = await Promise.all(
      [security.id, member.id].map((id) => organizations.send(new DescribeAccountCommand({ AccountId: id }))),
    );

    expect(organization.MasterAccountId).toBe('123456789012');
    expect(member.id).toMatch(/^\d{12}$/);
    expect(member.id).not.toBe(security.id);
    expect(described.map((d) => [d.Account?.Id, d.Account?.Name, d.Account?.Status])).toEqual([
      [security.id, security.name, 'ACTIVE'],
      [member.id, member.name, 'ACTIVE'],
    ]);
  });
});

describe('AssumeRole from the security account into a member account', () => {
  it('returns credentials that act as the member role in the member account', async () => {
    const assumed = await assumeRole(security.admin, member.id, MEMBER_ROLE);

    const identity = await stsWith(assumed).send(new GetCallerIdentityCommand({}));

    expect(identity.Account).toBe(member.id);
    expect(identity.Arn).toBe(`arn:aws:sts::${member.id}:assumed-role/${MEMBER_ROLE}/warden-integration`);
  });

  it('leaves the security account acting as itself', async () => {
    const identity = await stsWith(security.admin).send(new GetCallerIdentityCommand({}));

    expect(identity.Account).toBe(security.id);
  });
});

describe("Warden's ClientFactory against moto", () => {
  it('makes clients for a member account that act as the member role in every region', async () => {
    const target = { account: member.id, roleName: MEMBER_ROLE };

    const identities = await Promise.all(
      [HOME_REGION, OTHER_REGION].map((region) =>
        clients.client(STSClient, { ...target, region }).send(new GetCallerIdentityCommand({})),
      ),
    );

    for (const identity of identities) {
      expect(identity.Account).toBe(member.id);
      expect(identity.Arn).toBe(`arn:aws:sts::${member.id}:assumed-role/${MEMBER_ROLE}/warden`);
    }
  });

  it("makes clients for the security account's own identity without assuming a role", async () => {
    const sts = clients.client(STSClient, { account: security.id, region: HOME_REGION });

    const identity = await sts.send(new GetCallerIdentityCommand({}));

    expect(identity.Account).toBe(security.id);
    expect(identity.Arn).toContain(':assumed-role/OrganizationAccountAccessRole/');
  });
});

describe('where moto departs from AWS', () => {
  it('moto differs from AWS: AssumeRole succeeds for a role that does not exist (AWS answers AccessDenied)', async () => {
    const assumed = await assumeRole(security.admin, member.id, 'NoSuchWardenRole');

    const identity = await stsWith(assumed).send(new GetCallerIdentityCommand({}));

    expect(identity.Arn).toBe(`arn:aws:sts::${member.id}:assumed-role/NoSuchWardenRole/warden-integration`);
  });

  it("moto differs from AWS: AssumeRole ignores the role's trust policy (AWS answers AccessDenied to an untrusted account)", async () => {
    const outsider = await createAccount(`sts-outsider-${member.id}`);

    const assumed = await assumeRole(outsider.admin, member.id, MEMBER_ROLE);
    const identity = await stsWith(assumed).send(new GetCallerIdentityCommand({}));

    expect(identity.Account).toBe(member.id);
  });
});
