import { parseConfig } from '../../config/load';
import exampleConfigJson from '../../warden.config.json';
import type { AslState } from '../../workflows/asl';
import { WORKFLOWS } from '../../workflows/index';

/**
 * The transient Lambda errors AWS recommends retrying
 * (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
 */
const LAMBDA_SERVICE_EXCEPTIONS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** Every state of a definition, nested Map and Parallel states included, by name. */
function allStates(states: Record<string, AslState>, prefix = ''): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]) => {
    const nested = [
      (state.ItemProcessor as { States?: Record<string, AslState> } | undefined)?.States,
      (state.Iterator as { States?: Record<string, AslState> } | undefined)?.States,
      ...((state.Branches as { States: Record<string, AslState> }[] | undefined) ?? []).map((b) => b.States),
    ].filter((s): s is Record<string, AslState> => s !== undefined);
    return [
      [`${prefix}${name}`, state] as [string, AslState],
      ...nested.flatMap((s) => allStates(s, `${prefix}${name} › `)),
    ];
  });
}

describe('Lambda retry lists', () => {
  const config = parseConfig(exampleConfigJson, 'example config');
  it.each(WORKFLOWS.map((w) => [w.name, w] as const))(
    'the %s workflow retries every Lambda task on each transient Lambda error AWS lists',
    (_name, workflow) => {
      const tasks = allStates(workflow.build(config).States).filter(
        ([, s]) => s.Type === 'Task' && /^\$\{[A-Za-z0-9]+\}$|:states:::lambda:/.test(String(s.Resource)),
      );
      expect(tasks.length).toBeGreaterThan(0);
      for (const [name, state] of tasks) {
        const retried = ((state.Retry as { ErrorEquals: string[] }[] | undefined) ?? []).flatMap(
          (r) => r.ErrorEquals,
        );
        const missing = LAMBDA_SERVICE_EXCEPTIONS.filter((e) => !retried.includes(e));
        expect({ state: name, missing }).toEqual({ state: name, missing: [] });
      }
    },
  );
});
