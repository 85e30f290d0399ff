import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { lineBatches, ReplayInputError, replay } from '../../../cli/replay/replay';
import { camelCaseKeys } from '../../../cli/triage/report';
import { CORPUS_CONFIG, writeFindingCorpus } from '../../fixtures/finding-corpus';
import { makeConfig, makeFinding, makeFindingEvent } from '../../fixtures/findings';

/** `{ service: { resourceRole } }` → `{ Service: { ResourceRole } }`: the GuardDuty API's spelling. */
function pascalCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pascalCaseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), pascalCaseKeys(v)]),
  );
}

describe('replay', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-replay-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays 100,000 findings with totals equal to the count the generator kept', async () => {
    // Arrange
    const file = join(dir, 'corpus.jsonl');
    const expected = await writeFindingCorpus(file, { count: 100_000, seed: 42 });

    // Act
    let perFinding = 0;
    const { totals, source } = await replay(file, CORPUS_CONFIG, {
      onFinding: () => {
        perFinding += 1;
      },
    });

    // Assert
    expect(source).toEqual({ kind: 'file', path: file, lines: 100_000 });
    expect(perFinding).toBe(expected.findings);
    expect(totals.findings).toBe(expected.findings);
    expect(totals.decisions).toEqual(expected.decisions);
    expect(totals.notifications).toEqual(expect.objectContaining(expected.notifications));
    expect(Object.keys(totals.notifications).sort()).toEqual(Object.keys(expected.notifications).sort());
    expect(totals.addresses.actions).toEqual(expected.addressActions);
    expect(totals.addresses.notBlockedReasons).toEqual(expect.objectContaining(expected.notBlockedReasons));
    expect(Object.keys(totals.addresses.notBlockedReasons).sort()).toEqual(
      Object.keys(expected.notBlockedReasons).sort(),
    );
    expect(totals.addresses.distinctAutoBlocked).toBe(expected.distinctAutoBlocked);
    expect(totals.addresses.distinctAfterApproval).toBe(expected.distinctAfterApproval);
    expect(totals.addresses.distinctWouldBlock).toBe(expected.distinctWouldBlock);
    expect(totals.dryRun.sampleFindings).toBe(expected.sampleFindings);
    expect(totals.invalid.count).toBe(expected.invalid);
    expect(totals.invalid.first.map((i) => i.where)).toEqual(
      expected.invalidLines.slice(0, 100).map((n) => `line ${n}`),
    );
  }, 60_000);

  it('reads bare findings and findings as the GuardDuty API returns them', async () => {
    // Arrange: the same brute force three ways
    const file = join(dir, 'shapes.jsonl');
    const bare = makeFinding({ id: 'bare', remoteIp: '203.0.113.9' });
    const sdk = pascalCaseKeys(makeFinding({ id: 'sdk', remoteIp: '203.0.113.9' }));
    const event = makeFindingEvent({ id: 'event', remoteIp: '203.0.113.9' });
    writeFileSync(file, [bare, sdk, event].map((r) => JSON.stringify(r)).join('\n'));
    const seen: string[] = [];

    // Act
    const { totals } = await replay(file, makeConfig(), { onFinding: (r) => void seen.push(r.findingId) });

    // Assert
    expect(seen).toEqual(['bare', 'sdk', 'event']);
    expect(totals.decisions.BLOCK_WITH_APPROVAL).toBe(3);
    expect(totals.addresses.distinctAfterApproval).toBe(1);
  });

  it('counts invalid lines with their numbers and goes on', async () => {
    // Arrange
    const file = join(dir, 'invalid.jsonl');
    const bad = makeFindingEvent();
    (bad.detail as { severity: unknown }).severity = 'high';
    writeFileSync(
      file,
      [
        JSON.stringify(makeFindingEvent({ id: 'one' })),
        '{not json',
        '',
        JSON.stringify(bad),
        '42',
        JSON.stringify(makeFindingEvent({ id: 'two' })),
      ].join('\r\n'),
    );
    const reported: string[] = [];

    // Act
    const { totals } = await replay(file, makeConfig(), {
      onInvalid: (where, error) => void reported.push(`${where}: ${error}`),
    });

    // Assert
    expect(totals.findings).toBe(2);
    expect(totals.invalid.count).toBe(3);
    expect(reported).toEqual([
      expect.stringMatching(/^line 2: not valid JSON: /),
      'line 4: invalid GuardDuty finding event: detail.severity: must be a number from 0 to 10',
      expect.stringMatching(/^line 5: invalid GuardDuty finding event: /),
    ]);
  });

  it('reads a folder of EventBridge event files, one event or an array per file', async () => {
    // Arrange
    const folder = join(dir, 'events');
    mkdirSync(folder);
    writeFileSync(
      join(folder, 'a.json'),
      JSON.stringify(
        makeFindingEvent({
          id: 'a',
          type: 'Recon:EC2/PortProbeUnprotectedPort',
          severity: 8,
          remoteIp: '203.0.113.1',
        }),
      ),
    );
    writeFileSync(
      join(folder, 'b.json'),
      JSON.stringify([
        makeFindingEvent({ id: 'b1', type: 'Stealth:IAMUser/CloudTrailLoggingDisabled' }),
        { nope: true },
      ]),
    );
    writeFileSync(join(folder, 'c.json'), '{"broken":');
    writeFileSync(join(folder, 'notes.txt'), 'not read');
    const seen: string[] = [];
    const invalid: string[] = [];

    // Act
    const { totals, source } = await replay(folder, makeConfig(), {
      onFinding: (r, where) => void seen.push(`${where}=${r.findingId}:${r.decision}`),
      onInvalid: (where) => void invalid.push(where),
    });

    // Assert
    expect(source).toEqual({ kind: 'folder', path: folder, files: 3 });
    expect(seen).toEqual(['a.json=a:BLOCK_AUTO', 'b.json[0]=b1:NOTIFY']);
    expect(invalid).toEqual(['b.json[1]', 'c.json']);
    expect(totals.notifications).toEqual({ BLOCKED: 1, CLOUDTRAIL_LOGGING_DISABLED: 1 });
  });

  it('fails with ReplayInputError when the input does not exist', async () => {
    await expect(replay(join(dir, 'missing.jsonl'), makeConfig())).rejects.toThrow(ReplayInputError);
  });

  it('does not count a would-be block of a sample finding as a blocked address', async () => {
    // Arrange
    const file = join(dir, 'sample.jsonl');
    writeFileSync(
      file,
      JSON.stringify(
        makeFindingEvent({
          type: 'Recon:EC2/PortProbeUnprotectedPort',
          severity: 8,
          sample: true,
          remoteIp: '203.0.113.5',
        }),
      ),
    );

    // Act
    const { totals } = await replay(file, makeConfig({ mode: 'enforce' }));

    // Assert
    expect(totals.decisions.BLOCK_AUTO).toBe(1);
    expect(totals.dryRun.sampleFindings).toBe(1);
    expect(totals.addresses.distinctWouldBlock).toBe(0);
    expect(totals.addresses.notBlockedReasons).toEqual({ SAMPLE_FINDING: 1 });
  });
});

describe('lineBatches', () => {
  it('cuts lines across chunk boundaries, inside multi-byte characters too, and drops CR', async () => {
    // Arrange: "é" is two bytes; split the input in the middle of it
    const bytes = Buffer.from('first\r\nsécond\nthird');
    const cut = bytes.indexOf(0xc3) + 1;
    const input = Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]);

    // Act
    const lines: unknown[] = [];
    for await (const batch of lineBatches(input)) lines.push(...batch);

    // Assert
    expect(lines).toEqual(['first', 'sécond', 'third']);
  });
});

describe('camelCaseKeys', () => {
  it('turns the SDK shape of a finding into the event shape', () => {
    expect(camelCaseKeys({ Service: { ResourceRole: 'TARGET', Tags: [{ Key: 'Name' }] } })).toEqual({
      service: { resourceRole: 'TARGET', tags: [{ key: 'Name' }] },
    });
  });
});
