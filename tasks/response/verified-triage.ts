import { UnrecordedFindingError } from '../shared/errors';
import type { TaskDeps } from '../shared/task';
import { originProblem, readFindingEvent } from './finding';
import { FindingsTable } from './findings-table';
import { type TriageResult, triageFinding } from './triage';
import { triageUntrustedFinding, withOriginGuard } from './untrusted-finding';

/** The few facts of a finding the execution input and the findings table carry. */
export interface FindingSummary {
  id: string;
  accountId: string;
  region: string;
  type: string;
  severity: number;
  title?: string;
  updatedAt: string;
}

/**
 * How Warden decides a GuardDuty event: the intake decides with it when the event arrives, and
 * the tasks that change NACLs decide again with it from the copy the intake recorded. A finding
 * Warden cannot trust is decided NOTIFY with the reason; one whose origin disagrees with it is
 * never blocked. Only an event that is not a GuardDuty finding throws.
 */
export function decideFindingEvent(
  raw: unknown,
  deps: Pick<TaskDeps, 'config' | 'now'>,
): { triage: TriageResult; finding: FindingSummary } {
  const reading = readFindingEvent(raw);
  if (reading.kind === 'unsafe') {
    const detail = (raw as { detail: unknown }).detail;
    const triage = triageUntrustedFinding(reading.identity, reading.problem, detail, deps.config);
    return {
      triage,
      finding: {
        id: triage.findingId,
        accountId: triage.accountId,
        region: triage.region,
        type: triage.type,
        severity: triage.severity,
        title: reading.identity.title,
        updatedAt: reading.identity.updatedAt ?? deps.now().toISOString(),
      },
    };
  }
  let triage = triageFinding(reading.event, deps.config);
  const origin = originProblem(reading.event, deps.config.organization.securityAccountId);
  if (origin) triage = withOriginGuard(triage, origin);
  return { triage, finding: reading.event.detail };
}

/**
 * The triage of a finding as Warden decides it now: from the copy of the event the intake
 * recorded and from the deployed config, never from what an execution's input claims. Whoever
 * can start an execution can at worst make Warden decide a real finding again.
 */
export async function verifiedTriage(
  findingId: string,
  deps: Pick<TaskDeps, 'clients' | 'config' | 'tables' | 'now' | 'caches'>,
): Promise<TriageResult> {
  const recorded = await new FindingsTable(deps).getEvidence(findingId);
  if (recorded === undefined) {
    throw new UnrecordedFindingError(
      `finding ${JSON.stringify(findingId.slice(0, 128))} was never received by Warden's intake; nothing is done for it`,
    );
  }
  const { triage } = decideFindingEvent(recorded, deps);
  if (triage.findingId !== findingId) {
    throw new UnrecordedFindingError(
      `the finding recorded under ${JSON.stringify(findingId.slice(0, 128))} is another one`,
    );
  }
  return triage;
}
