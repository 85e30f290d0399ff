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
    const locales = Object.keys(output.inputs).filter((file) => /zod\/v4\/locales\/(?!en\.)/.test(file));

    expect(locales).toEqual([]);
    expect(output.bytes).toBeLessThan(150_000);
  });
});
