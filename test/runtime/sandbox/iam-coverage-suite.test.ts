import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IamCoverage, UnusedStatementsError, writeCoverageFile } from '../../../runtime/sandbox/iam-coverage';
import { finishIamCoverage } from '../../iam-coverage-report';

/** What two test workers wrote: one statement used in one of them, one never. */
function workersWrote(directory: string): void {
  const document = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Used', Effect: 'Allow' as const, Action: 'guardduty:ListDetectors', Resource: '*' },
      { Sid: 'Unused', Effect: 'Allow' as const, Action: 'guardduty:UpdateDetector', Resource: '*' },
    ],
  };
  for (const [worker, used] of [
    ['1', true],
    ['2', false],
  ] as const) {
    const coverage = new IamCoverage();
    coverage.declareRole('WardenSecurity/SweepRole', 'WardenSweep', [{ name: 'sweep', document }]);
    if (used)
      coverage.recordAllow(
        'WardenSecurity/SweepRole',
        'WardenSweep',
        'sweep',
        'Used',
        'guardduty:ListDetectors *',
      );
    writeCoverageFile(coverage, directory, worker);
  }
}

describe('the suite-level IAM coverage check', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'iam-suite-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const directories = () => ({ coverage: join(root, 'coverage'), artifacts: join(root, 'artifacts') });

  it('fails a run of the whole suite when a statement allowed nothing, after writing the report', () => {
    workersWrote(directories().coverage);

    expect(() => finishIamCoverage({ testPathPatterns: { patterns: [] } }, directories())).toThrow(
      UnusedStatementsError,
    );
    expect(readFileSync(join(root, 'artifacts', 'iam-coverage.md'), 'utf8')).toContain(
      '- sweep › Unused: **allowed nothing**',
    );
  });

  it('only reports on a run of some tests', () => {
    workersWrote(directories().coverage);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);

    expect(() =>
      finishIamCoverage({ testPathPatterns: { patterns: ['test/runtime'] } }, directories()),
    ).not.toThrow();
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('1 statement(s) allowed nothing in this partial run'),
    );
    warn.mockRestore();
  });

  it('writes nothing when no synthesized role was loaded', () => {
    finishIamCoverage({ testPathPatterns: { patterns: [] } }, directories());

    expect(() => readFileSync(join(root, 'artifacts', 'iam-coverage.md'))).toThrow();
  });
});
