import { buildTaskBundles, bundleOutput } from '../../infra/bundling/task-bundle';
import { exampleConfig } from './helpers';

/**
 * Every task bundles the config schema and zod with it. `import { z } from 'zod'` makes esbuild
 * keep zod's whole namespace, every locale included (about 450 KB minified, a third of the
 * largest bundles); `import * as z from 'zod'` lets it keep what is used. One small bundle, built
 * as every function is (`buildTaskBundles`), pins that.
 */
describe('bundle weight', () => {
  it('bundles the config schema with zod in under 150 KB, without zod’s locales', async () => {
    const result = await buildTaskBundles({
      entries: [{ name: 'schema', entry: require.resolve('../../config/schema') }],
      outdir: 'cdk.out',
      config: exampleConfig(),
      write: false,
    });
    const output = bundleOutput(result, 'schema');
    // A module esbuild read but kept nothing of (the locales' index, through which the English
    // messages are imported) is not in the bundle.
    const locales = Object.entries(output.inputs)
      .filter(([file, input]) => /zod\/v4\/locales\/(?!en\.)/.test(file) && input.bytesInOutput > 0)
      .map(([file]) => file);

    expect(locales).toEqual([]);
    expect(output.bytes).toBeLessThan(150_000);
  });
});
