import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/load';
import { allStates, taskIdOf } from '../../workflows/asl';
import { WORKFLOWS } from '../../workflows/index';
import { README, renderReadme } from '../../workflows/readme-sections';
import { EXAMPLE_CONFIG, staleSnapshots } from '../../workflows/snapshots';

// asl-validator ships no types; it also mutates its input, so it gets a copy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validateAsl = require('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

const config = loadConfig(EXAMPLE_CONFIG);

describe.each(WORKFLOWS.map((w) => [w.name, w] as const))('workflow %s', (_name, workflow) => {
  const definition = workflow.build(config);

  it('is valid Amazon States Language', () => {
    const result = validateAsl(JSON.parse(JSON.stringify(definition)));
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('names a task of its own for every Task state', () => {
    const ids = new Set(workflow.tasks.map((t) => t.id));
    for (const [name, state] of allStates(definition)) {
      if (state.Type === 'Task')
        expect({ name, task: ids.has(taskIdOf(state) ?? '') }).toEqual({ name, task: true });
    }
  });

  it('uses JSONPath only (the local engine ignores JSONata and Assign)', () => {
    const text = JSON.stringify(definition);
    expect(text).not.toMatch(/"QueryLanguage"|"Assign"|\{%/);
  });

  it('exports a handler from each task’s entry file', () => {
    for (const task of workflow.tasks) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      expect(typeof require(task.entry).handler).toBe('function');
    }
  });
});

describe('committed workflow snapshots', () => {
  it('match what the code builds from the example config (run `npm run snapshots`)', () => {
    expect(staleSnapshots()).toEqual([]);
  });
});

describe('the README', () => {
  it('shows the diagrams, config reference and benchmark figures the code produces (run `npm run snapshots`)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(renderReadme(readme)).toBe(readme);
  });
});
