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
 * Large input or output is left out, as the page's "Remarks" on the Execution Status Change event
 * say: "If the combined escaped input and escaped output sent to EventBridge exceeds 248 KiB,
 * then the input will be excluded. Similarly, if the escaped output exceeds 248 KiB, then the
 * output will be excluded. This is a result of events quotas." and "You can determine whether a
 * payload has been truncated with the inputDetails and outputDetails properties"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html#event-detail-execution-status-change-remarks).
 * See `includedPayloads` for how that is read here.
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

/** "248 KiB" of the Remarks above, in UTF-8 bytes of the escaped text. */
export const EVENT_PAYLOAD_LIMIT_BYTES = 248 * 1024;

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
  const payloads = includedPayloads(
    record.input,
    record.status === 'SUCCEEDED' ? (record.output ?? null) : null,
  );
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
      input: payloads.input,
      inputDetails: { included: payloads.inputIncluded },
      output: payloads.output,
      outputDetails: { included: payloads.outputIncluded },
      redriveCount: 0,
      redriveDate: null,
      redriveStatus: redriveStatus(record.status),
      redriveStatusReason: redriveStatusReason(record.status),
      error: record.error ?? null,
      cause: record.cause ?? null,
    },
  };
}

/** What of the execution's input and output the event carries. */
export interface IncludedPayloads {
  input: string | null;
  inputIncluded: boolean;
  output: string | null;
  outputIncluded: boolean;
}

/**
 * The Remarks' rule, read this way:
 * - "escaped" is the text as it stands inside the event's JSON, a string value with its quotes
 *   and backslashes escaped; its size is counted in UTF-8 bytes, without the enclosing quotes;
 * - the output goes first: it is left out when its own escaped text exceeds 248 KiB;
 * - the input is left out when it and the output that is "sent to EventBridge" (none when the
 *   output was left out, or there is none) exceed 248 KiB together.
 * A left-out field is null with `included: false`: the page names no other value, and events
 * from AWS with `inputDetails.included` false carry `input: null`
 * (https://github.com/cirrus-geo/cirrus-geo/issues/355). An execution without output (still
 * running, or not succeeded) has nothing to leave out, so its `outputDetails.included` stays true.
 */
export function includedPayloads(input: string, output: string | null): IncludedPayloads {
  const outputBytes = output === null ? 0 : escapedBytes(output);
  const outputIncluded = outputBytes <= EVENT_PAYLOAD_LIMIT_BYTES;
  const sentOutputBytes = outputIncluded ? outputBytes : 0;
  const inputIncluded = escapedBytes(input) + sentOutputBytes <= EVENT_PAYLOAD_LIMIT_BYTES;
  return {
    input: inputIncluded ? input : null,
    inputIncluded,
    output: outputIncluded ? output : null,
    outputIncluded,
  };
}

/** UTF-8 bytes of `text` escaped as a JSON string value, without its enclosing quotes. */
function escapedBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
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
