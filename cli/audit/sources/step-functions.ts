import {
  type ExecutionStatus,
  paginateListExecutions,
  paginateListStateMachines,
  SFNClient,
  type SFNClientConfig,
} from '@aws-sdk/client-sfn';
import { readExecution } from '../../../tasks/audit/read-execution';
import type { DecisionRecord } from '../../../tasks/response/decision-record';
import type { ArchivedExecution } from '../../../tasks/shared/archive-format';
import { SourceUnavailableError } from '../errors';
import type { AuditFilter } from '../filters';
import { type DecisionReader, runningDecisionReader } from './decisions';
import { describeSdkFailure } from './sdk-errors';
import type { ExecutionSource, ListedExecution } from './source';

export interface StepFunctionsSourceOptions {
  region?: string;
  profile?: string;
  /** The local runtime's endpoint (or another Step Functions compatible one). */
  endpoint?: string;
  /** Warden's state machines when known (from the stack's outputs); listed by name otherwise. */
  machines?: readonly { arn: string; name: string }[];
  /** How the report names where it read from. */
  description?: string;
  /** Where its decision records are read. @default - the `endpoint`'s decisions API */
  decisions?: DecisionReader;
}

/**
 * Executions read through the Step Functions API: ListStateMachines to find Warden's machines,
 * ListExecutions (newest first, so paging stops once past `--since`), then DescribeExecution
 * and every page of GetExecutionHistory per execution.
 */
export class StepFunctionsSource implements ExecutionSource {
  readonly description: string;
  private readonly sfn: SFNClient;
  private readonly machines: readonly { arn: string; name: string }[] | undefined;
  private readonly decisionReader: DecisionReader | undefined;

  constructor(options: StepFunctionsSourceOptions) {
    this.machines = options.machines;
    this.decisionReader =
      options.decisions ?? (options.endpoint ? runningDecisionReader(options.endpoint) : undefined);
    const config: SFNClientConfig = { maxAttempts: 2 };
    if (options.endpoint) {
      config.endpoint = options.endpoint;
      config.region = options.region ?? 'us-east-1';
      // The local runtime has no authentication; a profile still applies when one is given.
      if (!options.profile)
        config.credentials = { accessKeyId: 'warden-local', secretAccessKey: 'warden-local' };
    } else if (options.region) {
      config.region = options.region;
    }
    if (options.profile) config.profile = options.profile;
    this.sfn = new SFNClient(config);
    this.description = options.description
      ? options.description
      : options.endpoint
        ? `Step Functions at ${options.endpoint}`
        : `Step Functions${options.region ? ` in ${options.region}` : ''}${options.profile ? ` (profile ${options.profile})` : ''}`;
  }

  async list(filter: AuditFilter): Promise<ListedExecution[]> {
    const wanted = new Set(filter.workflows.map((w) => w.stateMachineName));
    const machines: { arn: string; name: string }[] = this.machines
      ? this.machines.filter((m) => wanted.has(m.name))
      : [];
    if (!this.machines)
      await this.call('listing state machines', async () => {
        for await (const page of paginateListStateMachines({ client: this.sfn, pageSize: 1000 }, {})) {
          for (const m of page.stateMachines ?? []) {
            if (m.stateMachineArn && m.name && wanted.has(m.name))
              machines.push({ arn: m.stateMachineArn, name: m.name });
          }
        }
      });
    const listed: ListedExecution[] = [];
    // One status can be asked of the API; several are filtered here.
    const statusFilter = filter.statuses?.length === 1 ? (filter.statuses[0] as ExecutionStatus) : undefined;
    for (const machine of machines) {
      await this.call(`listing executions of ${machine.name}`, async () => {
        const pages = paginateListExecutions(
          { client: this.sfn, pageSize: 1000 },
          { stateMachineArn: machine.arn, statusFilter },
        );
        for await (const page of pages) {
          let pastSince = false;
          for (const e of page.executions ?? []) {
            if (!e.executionArn || !e.name || !e.startDate) continue;
            if (filter.since && e.startDate < filter.since) {
              pastSince = true;
              break;
            }
            listed.push({
              ref: e.executionArn,
              stateMachine: machine.name,
              name: e.name,
              status: e.status ?? null,
              startDate: e.startDate.toISOString(),
            });
          }
          if (pastSince) break;
        }
      });
    }
    return listed;
  }

  read(item: ListedExecution, onEvents: (count: number) => void): Promise<ArchivedExecution> {
    return this.call(`reading ${item.name}`, () => readExecution(this.sfn, item.ref, onEvents));
  }

  async decisions(filter: AuditFilter): Promise<DecisionRecord[]> {
    if (!this.decisionReader) {
      throw new SourceUnavailableError(
        `${this.description} names no findings table to read decision records from (give --endpoint, or --region/--profile for Warden in AWS)`,
      );
    }
    return this.decisionReader.read({ since: filter.since, until: filter.until });
  }

  close(): void {
    this.sfn.destroy();
    this.decisionReader?.close();
  }

  private async call<T>(doing: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new SourceUnavailableError(describeSdkFailure(error, doing, this.description));
    }
  }
}
