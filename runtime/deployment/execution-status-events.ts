import { randomUUID } from 'node:crypto';
import type { ExecutionRecord, ExecutionStatus } from '../history';
import type { SandboxCloud } from '../sandbox/cloud';
import { type BusEvent, busArn, type DeliveryReport, type SandboxEventBuses } from '../sandbox/event-buses';
import { ExecutionEventError } from './errors';

/**
 * Step Functions' side of EventBridge: "Status changes in state machine executions are sent to
 * EventBridge automatically", as a "Step Functions Execution Status Change" event from
 * `aws.states`, on the default event bus of the account and Region of the state machine. Standard
 * workflows send one for each change — RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED.
 * https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html
 *
 * The detail carries the execution as DescribeExecution describes it, dates in epoch
 * milliseconds, with `inputDetails`/`outputDetails` (`included`,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_CloudWatchEventsExecutionDataDetails.html),
 * `error` and `cause` (null unless the execution failed), and the redrive fields of the
 * documented example. The local runtime does not redrive, so its executions report a redrive
 * count of 0.
 *
 * The event goes to the sandbox's EventBridge (`SandboxEventBuses.deliver`), where the rules the
 * templates declare take it — the ExecutionsFinished rule hands finished executions to the history
 * archiver. Delivery is best effort in AWS; here each delivery's report is kept by execution, so a
 * target that failed is visible rather than lost.
 */
export const STATES_SOURCE = 'aws.states';
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** What EventBridge made of one status change: the event and the rules' deliveries. */
export interface StatusChangeDelivery {
  event: BusEvent;
  report: DeliveryReport;
  /** Why the event could not be put on the bus at all (its delivery report is then empty). */
  error?: { name: string; message: string };
}

const ARN_PARTS = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):execution:[^:]+:[^:]+$/;
/** Deliveries kept per publisher: the latest executions' (a long `warden start` keeps no more). */
const KEPT_EXECUTIONS = 1000;

/** The event Step Functions sends for `record` in its current status. */
export function executionStatusChangeEvent(record: ExecutionRecord, id: string = randomUUID()): BusEvent {
  const [, region, account] = ARN_PARTS.exec(record.executionArn) ?? [];
  if (!region || !account)
    throw new ExecutionEventError(`executionArn must be an execution ARN, got '${record.executionArn}'`);
  const ended = record.status !== 'RUNNING';
  const changedAt = ended && record.stopDate ? record.stopDate : record.startDate;
  return {
    version: '0',
    id,
    'detail-type': EXECUTION_STATUS_CHANGE,
    source: STATES_SOURCE,
    account,
    // EventBridge's `time` is to the second (eb-events-structure.html).
    time: changedAt.replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: Date.parse(record.startDate),
      stopDate: ended && record.stopDate ? Date.parse(record.stopDate) : null,
      input: record.input,
      inputDetails: { included: true },
      output: record.status === 'SUCCEEDED' ? (record.output ?? null) : null,
      outputDetails: { included: true },
      redriveCount: 0,
      redriveDate: null,
      redriveStatus: redriveStatus(record.status),
      redriveStatusReason: redriveStatusReason(record.status),
      error: record.error ?? null,
      cause: record.cause ?? null,
    },
  };
}

/**
 * The redrive fields DescribeExecution gives: RUNNING and SUCCEEDED executions cannot be
 * redriven, with the documented reason; the others can, within 14 days.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html
 */
function redriveStatus(status: ExecutionStatus): string {
  return status === 'RUNNING' || status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : 'REDRIVABLE';
}

function redriveStatusReason(status: ExecutionStatus): string | null {
  return status === 'RUNNING' || status === 'SUCCEEDED'
    ? `Execution is ${status} and cannot be redriven`
    : null;
}

/** Puts each status change of the local runtime's executions on the sandbox's default bus. */
export class ExecutionStatusPublisher {
  private readonly deliveries = new Map<string, StatusChangeDelivery[]>();

  constructor(
    private readonly cloud: SandboxCloud,
    private readonly events: SandboxEventBuses,
  ) {}

  /** The engine's `onStatusChange`: never rejects; a failure is kept in the delivery. */
  readonly publish = async (record: ExecutionRecord): Promise<void> => {
    const event = executionStatusChangeEvent(record);
    const delivery: StatusChangeDelivery = { event, report: { invocations: [], forwards: [] } };
    this.keep(record.executionArn, delivery);
    try {
      delivery.report = await this.events.deliver(
        this.cloud,
        busArn(event.account, event.region, 'default'),
        event,
      );
    } catch (error) {
      delivery.error = { name: (error as Error).name, message: (error as Error).message };
    }
  };

  /** The status changes of an execution that went to EventBridge, oldest first. */
  deliveriesFor(executionArn: string): StatusChangeDelivery[] {
    return [...(this.deliveries.get(executionArn) ?? [])];
  }

  private keep(executionArn: string, delivery: StatusChangeDelivery): void {
    const kept = this.deliveries.get(executionArn);
    if (kept) {
      kept.push(delivery);
      return;
    }
    this.deliveries.set(executionArn, [delivery]);
    if (this.deliveries.size > KEPT_EXECUTIONS) this.deliveries.delete(this.deliveries.keys().next().value!);
  }
}
