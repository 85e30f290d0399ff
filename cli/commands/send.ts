import { readFileSync } from 'node:fs';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { Command } from 'commander';
import type { EventRecord, RuleDelivery } from '../../runtime/eventbridge/local-bus';
import { entrySize, MAX_ENTRIES, MAX_REQUEST_ENTRY_BYTES } from '../../runtime/eventbridge/put-events';
import { CliError, UsageError } from '../cli-error';
import { EventInputError, type EventToSend, readEventsToSend } from '../send/read-events';
import { runningEndpoint } from '../target/local-endpoint';

/**
 * `warden send FILE|FOLDER|-`: puts events on the running Warden's event bus with EventBridge's
 * PutEvents, exactly as GuardDuty and Control Tower would, and prints for each what Warden
 * started (the execution, the decision) or why it started nothing.
 */
export interface SendOptions {
  endpoint?: string;
  dataDir?: string;
  region?: string;
  profile?: string;
}

export interface SendOutcome {
  where: string;
  line: string;
  failed: boolean;
}

export async function runSend(
  input: string,
  options: SendOptions,
  out: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  stdin: () => string = () => readFileSync(0, 'utf8'),
): Promise<SendOutcome[]> {
  if (options.region !== undefined || options.profile !== undefined) {
    // PutEvents in AWS refuses aws.* sources from callers (NotAuthorizedForSourceException):
    // only GuardDuty itself can put a GuardDuty finding on a bus.
    throw new UsageError(
      'send acts on a local Warden only: EventBridge in AWS refuses events with an aws.* source from callers; to test Warden in AWS, generate findings with `aws guardduty create-sample-findings`',
    );
  }
  const endpoint = runningEndpoint(options);
  let events: EventToSend[];
  try {
    events = readEventsToSend(input, stdin);
  } catch (error) {
    if (error instanceof EventInputError) throw new CliError(error.message);
    throw error;
  }
  const client = new EventBridgeClient({
    endpoint,
    region: 'us-east-1',
    // The local door does not check signatures; the SDK still wants something to sign with.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const outcomes: SendOutcome[] = [];
  try {
    for (const batch of batches(events)) {
      let answer: PutEventsCommandOutput;
      try {
        answer = await client.send(new PutEventsCommand({ Entries: batch.map(({ entry }) => entry) }));
      } catch (error) {
        throw unreachable(error, endpoint);
      }
      for (const [i, { event }] of batch.entries()) {
        const result = answer.Entries?.[i] ?? {};
        const outcome = result.EventId
          ? await describe(endpoint, event, result.EventId)
          : {
              where: event.where,
              line: `${event.where}: refused: ${result.ErrorCode}: ${result.ErrorMessage}`,
              failed: true,
            };
        outcomes.push(outcome);
        out(outcome.line);
      }
    }
  } finally {
    client.destroy();
  }
  const failed = outcomes.filter((o) => o.failed).length;
  out(`${outcomes.length} event(s) sent to ${endpoint}; ${failed} did not start what they should.`);
  if (failed > 0) process.exitCode = 1;
  return outcomes;
}

function entryOf(event: EventToSend): PutEventsRequestEntry {
  return {
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    Resources: event.resources,
  };
}

/** At most 10 entries and 256 KiB a request, as PutEvents takes them. */
function batches(events: EventToSend[]): { event: EventToSend; entry: PutEventsRequestEntry }[][] {
  const out: { event: EventToSend; entry: PutEventsRequestEntry }[][] = [];
  let current: { event: EventToSend; entry: PutEventsRequestEntry }[] = [];
  let size = 0;
  for (const event of events) {
    const entry = entryOf(event);
    const bytes = entrySize(entry);
    if (bytes > MAX_REQUEST_ENTRY_BYTES) {
      throw new CliError(
        `${event.where} is ${bytes} bytes; EventBridge takes at most ${MAX_REQUEST_ENTRY_BYTES} per event`,
      );
    }
    if (current.length === MAX_ENTRIES || size + bytes > MAX_REQUEST_ENTRY_BYTES) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push({ event, entry });
    size += bytes;
  }
  if (current.length) out.push(current);
  return out;
}

async function describe(endpoint: string, event: EventToSend, eventId: string): Promise<SendOutcome> {
  const response = await fetch(`${endpoint}/eventbridge/events/${eventId}`).catch((error: Error) => {
    throw unreachable(error, endpoint);
  });
  if (response.status !== 200) {
    return { where: event.where, line: `${event.where}: accepted as event ${eventId}`, failed: false };
  }
  const record = (await response.json()) as EventRecord;
  if (record.deliveries.length === 0) {
    return {
      where: event.where,
      line: `${event.where}: matched no rule (source ${event.source}, detail-type ${event.detailType}); Warden started nothing`,
      failed: false,
    };
  }
  const lines = record.deliveries.map(deliveryText);
  return {
    where: event.where,
    line: `${event.where}: ${lines.join('; ')}`,
    failed: record.deliveries.some((d) => d.error !== undefined),
  };
}

function deliveryText(delivery: RuleDelivery): string {
  if (delivery.error) return `${delivery.target} failed: ${delivery.error.name}: ${delivery.error.message}`;
  const r = delivery.result ?? {};
  const execution = typeof r.executionArn === 'string' ? ` execution ${r.executionArn.split(':').pop()}` : '';
  if (delivery.target === 'IntakeFinding') {
    const reason = typeof r.reason === 'string' ? ` (${r.reason})` : '';
    return `finding ${r.findingId}: ${r.outcome}${execution}, decision ${r.decision}${r.dryRun ? ' (dry run)' : ''}${reason}`;
  }
  if (r.outcome === 'IGNORED') return `onboarding: IGNORED, ${r.reason}: ${r.detail}`;
  return `onboarding of ${r.accountId}: ${r.outcome}${execution}`;
}

function unreachable(error: unknown, endpoint: string): CliError {
  const e = error as Error & { $metadata?: unknown };
  if (e.$metadata !== undefined && e.name !== 'TimeoutError')
    return new CliError(`${endpoint} refused the events: ${e.name}: ${e.message}`);
  return new CliError(`nothing answers at ${endpoint} (${e.message}); is \`npm start\` still running?`);
}

export function registerSend(program: Command): void {
  program
    .command('send')
    .description(
      'Put events on the running Warden: GuardDuty findings, Control Tower events, any EventBridge event',
    )
    .argument(
      '<input>',
      'a JSON event, a JSON array, JSON lines, bare findings, `aws guardduty get-findings` output, a folder of .json/.jsonl, or - for stdin',
    )
    .option('--endpoint <url>', 'the running Warden (default: the local runtime in <data dir>/runtime.json)')
    .option('--data-dir <dir>', 'the local runtime’s data folder (as given to npm start)', '.warden')
    .option(
      '--region <region>',
      'Warden in AWS (refused: EventBridge takes aws.* events only from AWS services)',
    )
    .option('--profile <name>', 'AWS profile (see --region)')
    .action(async (input: string, options: SendOptions) => {
      await runSend(input, options);
    });
}
