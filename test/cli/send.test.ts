import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSend } from '../../cli/commands/send';
import { NOTHING_RUNNING, runningEndpoint } from '../../cli/target/local-endpoint';
import type { WardenHttpServer } from '../../runtime/http-server';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { runCli } from '../fixtures/cli-run';
import { makeFinding, makeFindingEvent } from '../fixtures/findings';
import { eventIntakeConfig, type ServedWarden, startEventIntakeWarden } from '../fixtures/served-warden';
import { makeControlTowerEvent } from '../workflows/onboarding/harness';

/** `warden send` of every input shape, to a running local Warden. */
const MEMBERS = demoMembers(2);
const config = eventIntakeConfig(['eu-west-1']);

/** What `aws guardduty get-findings` prints: the API's member names in PascalCase. */
function pascalCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascalCase);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), pascalCase(v)]),
  );
}

const finding = (id: string) => makeFinding({ id, accountId: MEMBERS[0]!.id, severity: 8 });

describe('warden send', () => {
  let served: ServedWarden;
  let server: WardenHttpServer;
  let dir: string;

  beforeAll(async () => {
    served = await startEventIntakeWarden(config, MEMBERS);
    ({ server } = served);
    dir = mkdtempSync(join(tmpdir(), 'warden-send-'));
  });
  afterAll(() => served?.stop());

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const send = (path: string) => runCli(['send', path, '--endpoint', server.url]);

  it('sends one pretty-printed event and prints the execution and decision', async () => {
    const path = file(
      'one.json',
      JSON.stringify({ ...makeFindingEvent(), detail: finding('send-one') }, null, 2),
    );

    const run = await send(path);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /one\.json: finding send-one: STARTED execution f-[0-9a-f]{32}-1, decision \w+ \(dry run\)/,
    );
  });

  it('sends a JSON array and JSON lines, one answer per event', async () => {
    const array = file(
      'array.json',
      JSON.stringify([
        { ...makeFindingEvent(), detail: finding('send-a1') },
        makeControlTowerEvent({ accountId: MEMBERS[1]!.id, eventId: 'send-1' }),
      ]),
    );
    const lines = file(
      'lines.jsonl',
      `${JSON.stringify({ ...makeFindingEvent(), detail: finding('send-l1') })}\n\n${JSON.stringify({ ...makeFindingEvent(), detail: finding('send-l2') })}\n`,
    );

    const first = await send(array);
    const second = await send(lines);

    expect(first.code).toBe(0);
    expect(first.stdout).toContain('array.json[0]: finding send-a1: STARTED');
    expect(first.stdout).toContain(`array.json[1]: onboarding of ${MEMBERS[1]!.id}: STARTED execution`);
    expect(second.stdout).toContain('lines.jsonl:1: finding send-l1: STARTED');
    expect(second.stdout).toContain('lines.jsonl:3: finding send-l2: STARTED');
  });

  it('wraps bare findings and `aws guardduty get-findings` output in the GuardDuty envelope', async () => {
    const bare = file('bare.json', JSON.stringify(finding('send-bare')));
    const cli = file(
      'get-findings.json',
      JSON.stringify({ Findings: [pascalCase(finding('send-cli'))] }, null, 2),
    );

    const first = await send(bare);
    const second = await send(cli);

    expect(first.stdout).toContain('bare.json: finding send-bare: STARTED');
    expect(second.stdout).toContain('get-findings.json: finding send-cli: STARTED');
  });

  it('sends every .json file of a folder, and standard input', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.json'), JSON.stringify(finding('send-f1')));
    writeFileSync(join(folder, 'notes.txt'), 'not an event');
    const lines: string[] = [];

    await runSend(folder, { endpoint: server.url }, (l) => lines.push(l));
    await runSend(
      '-',
      { endpoint: server.url },
      (l) => lines.push(l),
      () => JSON.stringify(finding('send-stdin')),
    );

    expect(lines.join('\n')).toContain('a.json: finding send-f1: STARTED');
    expect(lines.join('\n')).toContain('stdin: finding send-stdin: STARTED');
  });

  it('says when an event matched no rule, and a repeated finding started nothing', async () => {
    const path = file(
      'other.json',
      JSON.stringify({ source: 'com.example', 'detail-type': 'Thing', detail: {} }),
    );
    const again = file('again.json', JSON.stringify(finding('send-bare')));

    const run = await send(path);
    const repeated = await send(again);

    expect(run.stdout).toContain(
      'other.json: matched no rule (source com.example, detail-type Thing); Warden started nothing',
    );
    expect(repeated.stdout).toContain('again.json: finding send-bare: DUPLICATE');
  });

  it.each([
    ['empty.json', '', 'is empty'],
    ['broken.jsonl', '{"a":1}\n{not json\n', 'broken.jsonl:2 is not JSON'],
    ['neither.json', '{"hello":"world"}', 'is neither an EventBridge event'],
  ])('refuses %s with one line, sending nothing', async (name, text, message) => {
    const run = await send(file(name, text));

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses --endpoint notaurl as a usage error (exit 2)', async () => {
    const run = await runCli(['send', 'x.json', '--endpoint', 'notaurl']);

    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'warden: --endpoint must be a URL such as http://127.0.0.1:4321, got notaurl',
    );
  });

  it('says nothing is running when there is no endpoint and no runtime.json', () => {
    const empty = mkdtempSync(join(tmpdir(), 'warden-nothing-'));

    expect(() => runningEndpoint({}, empty)).toThrow(NOTHING_RUNNING);
  });
});
