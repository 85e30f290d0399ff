import * as z from 'zod';
import { taskEnvironment } from '../shared/environment';
import { InvalidInputError } from '../shared/errors';
import { lambdaHandler } from '../shared/lambda';
import { defineTask, type TaskDeps } from '../shared/task';
import type { TriageResult } from './triage';
import { verifiedTriage } from './verified-triage';

/**
 * The response workflow's first state. Its input comes from whoever called StartExecution, so it
 * is checked against what Warden itself recorded: the finding must be one the intake received,
 * and the triage that the rest of the execution reads is Warden's own decision of that finding
 * under the deployed config (it replaces the one in the input). A made-up input ends here.
 */
const Input = z.object({
  finding: z.object({ id: z.string().min(1).max(300) }).passthrough(),
  triage: z.object({ findingId: z.string().min(1).max(300) }).passthrough(),
});
type Input = z.infer<typeof Input>;

export const checkResponseInputTask = defineTask({
  id: 'CheckResponseInput',
  entry: __filename,
  environment: taskEnvironment('FINDINGS_TABLE'),
  input: Input,
  needs: { tables: { findings: 'read' } },
  run: checkResponseInput,
});

export const handler = lambdaHandler(checkResponseInputTask);

export async function checkResponseInput(input: Input, deps: TaskDeps): Promise<TriageResult> {
  if (input.finding.id !== input.triage.findingId) {
    throw new InvalidInputError(
      `finding.id ${JSON.stringify(input.finding.id)} and triage.findingId ${JSON.stringify(input.triage.findingId)} differ`,
    );
  }
  return verifiedTriage(input.triage.findingId, deps);
}
