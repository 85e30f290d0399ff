import * as path from 'node:path';
import { buildTaskBundles, bundleOutput, type TaskBundleResult } from '../../infra/bundling/task-bundle';
import { PROJECT_ROOT } from '../../infra/names';
import { type DeployedTask, deployedFunctions } from '../../infra/task-catalog';
import { TRIGGERED_FUNCTIONS } from '../../infra/triggers';
import { WORKFLOWS } from '../../workflows/index';
import { exampleConfig } from './helpers';

/**
 * Every function Warden deploys, bundled as the CDK app bundles it (`buildTaskBundles`, the one
 * definition of the options), stays within 1 MB: a smaller package loads faster at a cold start.
 * All bundles come from one esbuild run in memory; no synthesis is involved.
 */
const MB = 1024 * 1024;

describe('function bundles', () => {
  let functions: DeployedTask[];
  let result: TaskBundleResult;

  beforeAll(async () => {
    functions = [...deployedFunctions(WORKFLOWS, TRIGGERED_FUNCTIONS).values()];
    result = await buildTaskBundles({
      entries: functions.map((fn) => ({ name: fn.id, entry: fn.entry })),
      outdir: path.join(PROJECT_ROOT, 'cdk.out', 'bundle-size'),
      config: exampleConfig(),
      write: false,
    });
  }, 120_000);

  it('bundles every deployed function', () => {
    expect(functions.length).toBeGreaterThan(20);
    for (const fn of functions) expect(bundleOutput(result, fn.id).bytes).toBeGreaterThan(0);
  });

  it('keeps every bundle within 1 MB', () => {
    const over = functions
      .map((fn) => ({ id: fn.id, bytes: bundleOutput(result, fn.id).bytes }))
      .filter((s) => s.bytes > MB)
      .map((s) => `${s.id}: ${s.bytes} bytes`);

    expect(over).toEqual([]);
  });

  it('writes no source map, which no function would load, into any package', () => {
    const maps = Object.keys(result.metafile.outputs).filter((file) => file.endsWith('.map'));

    expect(Object.keys(result.metafile.outputs)).toHaveLength(functions.length);
    expect(maps).toEqual([]);
  });

  it('keeps only the EC2 schemas the block task uses, not the client’s whole schema', () => {
    const block = bundleOutput(result, 'BlockAddresses');
    const ec2Schemas = Object.entries(block.inputs)
      .filter(([file]) => /client-ec2[\\/]dist-es[\\/]schemas[\\/]/.test(file))
      .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);

    expect(ec2Schemas).toBeGreaterThan(0);
    expect(ec2Schemas).toBeLessThan(50_000);
  });
});
