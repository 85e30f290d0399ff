import { build } from 'esbuild';
import { BUNDLE_MAIN_FIELDS, configDefine } from '../../infra/constructs/task-function';
import { exampleConfig } from './helpers';

/**
 * Every task bundles the config schema and zod with it. `import { z } from 'zod'` makes esbuild
 * keep zod's whole namespace, every locale included (about 450 KB minified, a third of the
 * largest bundles); `import * as z from 'zod'` lets it keep what is used. One small bundle, built
 * with the options of TaskFunction, pins that.
 */
describe('bundle weight', () => {
  it('bundles the config schema with zod in under 150 KB, without zod’s locales', async () => {
    const result = await build({
      entryPoints: [require.resolve('../../config/schema')],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      mainFields: [...BUNDLE_MAIN_FIELDS],
      define: configDefine(exampleConfig()),
      write: false,
      metafile: true,
      outfile: 'schema.js',
      logLevel: 'silent',
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    const locales = Object.keys(output.inputs).filter((file) => /zod\/v4\/locales\/(?!en\.)/.test(file));

    expect(locales).toEqual([]);
    expect(output.bytes).toBeLessThan(150_000);
  });
});
