import { GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { call } from '../shared/aws-call';
import { MemberRoleUnavailableError } from '../shared/errors';
import type { TaskDeps } from '../shared/task';
import { UnexpectedGuardDutyResponseError } from './errors';

/**
 * GuardDuty clients for the administrator (Warden's security account) and for member accounts
 * (through Warden's member role), and the calls every GuardDuty step shares.
 */

/** A call made inside a member account through Warden's member role. */
export async function memberCall<T>(
  deps: TaskDeps,
  account: string,
  doing: string,
  send: () => Promise<T>,
): Promise<T> {
  return call(doing, send, {
    AccessDenied: (error) => {
      if (!/AssumeRole/.test(error.message)) throw error;
      const roleName = deps.config.organization.memberRoleName;
      deps.clients.forget({ account, region: '', roleName });
      throw new MemberRoleUnavailableError(
        `cannot assume ${roleName} in ${account} while ${doing}: ${error.message}`,
        { cause: error },
      );
    },
  });
}

export function administratorClient(deps: TaskDeps, region: string): GuardDutyClient {
  return deps.clients.client(GuardDutyClient, {
    account: deps.config.organization.securityAccountId,
    region,
  });
}

export function memberClient(deps: TaskDeps, account: string, region: string): GuardDutyClient {
  return deps.clients.client(GuardDutyClient, {
    account,
    region,
    roleName: deps.config.organization.memberRoleName,
  });
}

/** The caller's detector in the client's region; GuardDuty allows one per account and region. */
export async function findDetectorId(
  client: GuardDutyClient,
  send: <T>(doing: string, fn: () => Promise<T>) => Promise<T>,
  where: string,
): Promise<string | undefined> {
  const out = await send(`listing detectors ${where}`, () => client.send(new ListDetectorsCommand({})));
  const ids = out.DetectorIds ?? [];
  if (ids.length > 1) {
    throw new UnexpectedGuardDutyResponseError(`${where} has ${ids.length} detectors; GuardDuty allows one`);
  }
  return ids[0];
}
