import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCoverage, formatCoverageReport, readCoverageFiles } from '../runtime/sandbox/iam-coverage';

/**
 * The suite-level IAM coverage check: every statement of every synthesized role, with the calls
 * it allowed across the whole run, in `test/artifacts/iam-coverage.md` (and `.json`). On a run of
 * the whole suite a statement that allowed nothing fails it; a run of some tests only reports.
 */
export const ARTIFACTS_DIR = join(__dirname, 'artifacts');
export const IAM_COVERAGE_DIR = join(ARTIFACTS_DIR, 'iam-coverage');

export function resetIamCoverage(): void {
  rmSync(IAM_COVERAGE_DIR, { recursive: true, force: true });
}

interface RunSelection {
  testPathPatterns?: { patterns?: readonly string[] } | readonly string[];
  testNamePattern?: string;
  onlyChanged?: boolean;
  findRelatedTests?: boolean;
  changedSince?: string;
  shard?: unknown;
}

export function finishIamCoverage(
  selection: RunSelection,
  directories: { coverage: string; artifacts: string } = {
    coverage: IAM_COVERAGE_DIR,
    artifacts: ARTIFACTS_DIR,
  },
): void {
  const snapshot = readCoverageFiles(directories.coverage);
  // No test loaded a synthesized role: there is nothing to report.
  if (snapshot.entries.length === 0) return;
  mkdirSync(directories.artifacts, { recursive: true });
  writeFileSync(join(directories.artifacts, 'iam-coverage.md'), formatCoverageReport(snapshot));
  writeFileSync(join(directories.artifacts, 'iam-coverage.json'), `${JSON.stringify(snapshot, null, 2)}\n`);
  if (isWholeSuite(selection)) {
    checkCoverage(snapshot);
    return;
  }
  const unused = snapshot.entries.filter((e) => Object.keys(e.calls).length === 0).length;
  if (unused > 0) {
    console.warn(
      `IAM coverage: ${unused} statement(s) allowed nothing in this partial run (test/artifacts/iam-coverage.md)`,
    );
  }
}

function isWholeSuite(selection: RunSelection): boolean {
  const patterns = Array.isArray(selection.testPathPatterns)
    ? selection.testPathPatterns
    : ((selection.testPathPatterns as { patterns?: readonly string[] } | undefined)?.patterns ?? []);
  return (
    patterns.length === 0 &&
    !selection.testNamePattern &&
    !selection.onlyChanged &&
    !selection.findRelatedTests &&
    !selection.changedSince &&
    !selection.shard
  );
}
