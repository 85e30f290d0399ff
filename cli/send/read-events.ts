import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { asFindingEvent, camelCaseKeys } from '../triage/report';

/**
 * What `warden send` reads, in the shapes people have at hand: one EventBridge event, a JSON
 * array of them, JSON lines, bare GuardDuty findings (wrapped in the envelope GuardDuty's events
 * use), and the output of `aws guardduty get-findings` (`{ "Findings": [...] }`, whose member
 * names the CLI prints in PascalCase where the events use camelCase). A folder is every `.json`
 * and `.jsonl` file in it, by name.
 */
export interface EventToSend {
  /** `file:line` or `file[index]`, for messages. */
  where: string;
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  resources: string[];
}

export class EventInputError extends Error {
  override name = 'EventInputError';
}

export function readEventsToSend(path: string, stdin: () => string): EventToSend[] {
  if (path === '-') return eventsFromText(stdin(), 'stdin');
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    throw new EventInputError(`${path} does not exist`);
  }
  if (!stats.isDirectory()) return eventsFromText(readFileSync(path, 'utf8'), path);
  const files = readdirSync(path)
    .filter((name) => ['.json', '.jsonl'].includes(extname(name)))
    .sort();
  if (files.length === 0) throw new EventInputError(`${path} holds no .json or .jsonl file`);
  return files.flatMap((name) => eventsFromText(readFileSync(join(path, name), 'utf8'), join(path, name)));
}

export function eventsFromText(text: string, origin: string): EventToSend[] {
  if (text.trim() === '') throw new EventInputError(`${origin} is empty`);
  let whole: unknown;
  let parsedWhole = true;
  try {
    whole = JSON.parse(text);
  } catch {
    parsedWhole = false;
  }
  const values: { where: string; value: unknown }[] = [];
  if (parsedWhole) {
    const list = listOf(whole);
    list.forEach((value, i) => {
      values.push({ where: Array.isArray(list) && list.length > 1 ? `${origin}[${i}]` : origin, value });
    });
  } else {
    // JSON lines: one value a line; a line that does not parse is named, and nothing is sent.
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new EventInputError(
          `${origin}:${i + 1} is not JSON (${(error as Error).message}); give one event, a JSON array, or one JSON value a line`,
        );
      }
      for (const item of listOf(value)) values.push({ where: `${origin}:${i + 1}`, value: item });
    });
  }
  if (values.length === 0) throw new EventInputError(`${origin} holds no event`);
  return values.map(({ where, value }) => toEvent(value, where));
}

/** `aws guardduty get-findings` prints `{ "Findings": [...] }`; an array is its elements. */
function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isObject(value) && Array.isArray(value.Findings) && !('detail-type' in value)) {
    return value.Findings.map(camelCaseKeys);
  }
  return [value];
}

function toEvent(raw: unknown, where: string): EventToSend {
  if (!isObject(raw)) throw new EventInputError(`${where} is not a JSON object`);
  // A bare finding (camelCase as in events, or PascalCase as the API returns it) gets the
  // envelope GuardDuty puts around a finding (guardduty_findings_eventbridge.html).
  const value = asFindingEvent(raw) as Record<string, unknown>;
  if ('detail-type' in value || 'source' in value) {
    const { source, 'detail-type': detailType, detail, resources } = value;
    if (typeof source !== 'string' || source === '')
      throw new EventInputError(`${where}: source must be a string`);
    if (typeof detailType !== 'string' || detailType === '')
      throw new EventInputError(`${where}: detail-type must be a string`);
    if (!isObject(detail)) throw new EventInputError(`${where}: detail must be a JSON object`);
    if (
      resources !== undefined &&
      !(Array.isArray(resources) && resources.every((r) => typeof r === 'string'))
    )
      throw new EventInputError(`${where}: resources must be a list of strings`);
    return { where, source, detailType, detail, resources: (resources as string[] | undefined) ?? [] };
  }
  throw new EventInputError(
    `${where} is neither an EventBridge event (source, detail-type, detail) nor a GuardDuty finding (schemaVersion, id, type, accountId)`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
