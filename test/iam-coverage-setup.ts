import { randomBytes } from 'node:crypto';
import { suiteIamCoverage, writeCoverageFile } from '../runtime/sandbox/iam-coverage';
import { warmUpIamEvaluation } from '../runtime/sandbox/iam-enforcement';
import { IAM_COVERAGE_DIR } from './iam-coverage-report';

/**
 * After each test file, the statements of the synthesized roles it loaded and the calls they
 * allowed go to a file of their own; the global teardown merges them into the suite's report.
 */
// The evaluator's data is read before any test runs, so that no test on a simulated clock waits for it.
beforeAll(() => warmUpIamEvaluation());

afterAll(() => {
  writeCoverageFile(suiteIamCoverage, IAM_COVERAGE_DIR, `${process.pid}-${randomBytes(6).toString('hex')}`);
});
