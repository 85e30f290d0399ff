import { describe, expect, it } from '@jest/globals';
import { CSV_COLUMNS, csvField, renderCsv } from '../../audit/render/csv';
import { makeStory } from './fixtures';

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "no"', '"say ""no"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rlf', '"cr\rlf"'],
    [' padded ', '" padded "'],
    ['', ''],
  ])('writes %j as %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it.each([
    ['=HYPERLINK("http://x")', '"\'=HYPERLINK(""http://x"")"'],
    ['+1+2', "'+1+2"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['-2+3', "'-2+3"],
  ])('keeps a spreadsheet from running %j as a formula', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('leaves negative numbers as numbers', () => {
    expect(csvField('-1.5')).toBe('-1.5');
  });
});

describe('renderCsv', () => {
  it('writes a header and one CRLF-terminated row per execution, every row as wide as the header', () => {
    const story = makeStory({
      approval: {
        outcome: 'REJECTED',
        approver: 'bob',
        reason: 'known scanner, "tolerated"\nsee ticket 42',
        requestedAt: '2026-03-01T10:00:00.000Z',
        decidedAt: '2026-03-01T10:03:00.000Z',
        latencySeconds: 180,
        timeoutSeconds: 1800,
        onTimeout: null,
        proposedNacls: [],
      },
    });

    const csv = renderCsv([story, makeStory()]);

    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines.at(-1)).toBe('');
    expect(csv).toContain(',bob,"known scanner, ""tolerated""\nsee ticket 42",2026-03-01T10:03:00.000Z,180,');
    expect(lines).toHaveLength(4);
  });
});
