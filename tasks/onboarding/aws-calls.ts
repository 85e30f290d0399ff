import { GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { classifyAwsError, MemberRoleUnavailableError, TransientAwsError } from '../shared/errors';
import type { TaskDeps } from '../shared/task';
import { UnexpectedGuardDutyResponseError } from './errors';

/**
 * How the onboarding tasks talk to AWS: transient errors become `TransientAwsError` (the state
 * machine retries them with backoff and jitter), a member role that cannot be assumed becomes
 * `MemberRoleUnavailableError` (that account's branch ends), anything else passes unchanged.
 */
export async function call<T>(doing: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    return classifyAwsError(error, doing);
  }
}

/** A call made inside a member account through Warden's member role. */
export async function memberCall<T>(
  deps: TaskDeps,
  account: string,
  doing: string,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    const e = error as Error;
    if (e.name === 'AccessDenied' && /AssumeRole/.test(e.message)) {
      const roleName = deps.config.organization.memberRoleName;
      deps.clients.forget({ account, region: '', roleName });
      throw new MemberRoleUnavailableError(
        `cannot assume ${roleName} in ${account} while ${doing}: ${e.message}`,
        { cause: error },
      );
    }
    return classifyAwsError(error, doing);
  }
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

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * A few quick, jittered attempts for one page of a long listing. Retrying the whole task would
 * repeat every page, and with 50 pages at 20% throttling the listing would almost never finish;
 * what is still throttled after these attempts goes to the state machine's Retry.
 */
export async function retryPage<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof TransientAwsError) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
    }
  }
}
