import * as path from 'node:path';
import { type BuildOptions, type BuildResult, build, type Metafile } from 'esbuild';
import { COMPILED_CONFIG_FORMAT, type CompiledConfig } from '../../config/compiled';
import { parseConfig } from '../../config/load';
import type { WardenConfig } from '../../config/schema';
import { literalTraitKeysPlugin } from './literal-trait-keys';

/**
 * How every Warden function is bundled: the one definition that the CDK app (through
 * `LocalTaskBundling`), the bundle-size test and `bench:cold` all use, so what is measured is what
 * is deployed.
 *
 * - CommonJS for Node.js 22, minified, with the pinned AWS SDK inside rather than the runtime's
 *   copy (the versions the tests ran with);
 * - the packages' ES module builds first (`module`, then `main`): esbuild can drop what a function
 *   does not import from those, which the CommonJS builds do not let it see;
 * - the SDK's schema files with literal trait keys, so that unused schemas can be dropped too
 *   (see `literal-trait-keys.ts`).
 */
export const TASK_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  mainFields: ['module', 'main'],
  logLevel: 'silent',
} as const satisfies BuildOptions;

/** A function could not be bundled; the message carries esbuild's. */
export class BundlingError extends Error {
  override name = 'BundlingError';
}

/** The Lambda handler of a bundle written as `index.js`. */
export const BUNDLE_HANDLER = 'index.handler';

/**
 * The esbuild `define` that compiles the config into the bundle (`process.env.WARDEN_CONFIG` is
 * replaced by a string literal), so it cannot drift from what was synthesized and does not count
 * against Lambda's 4 KB environment. The config is validated here, against the full schema, and
 * compiled in the envelope that says so (config/compiled.ts): what a function reads is always a
 * config `parseConfig` accepted, and the function need not build the schema to check it again.
 * Throws `ConfigError` naming every invalid field.
 */
export function configDefine(config: WardenConfig): Record<string, string> {
  const compiled: CompiledConfig = {
    format: COMPILED_CONFIG_FORMAT,
    config: parseConfig(config, 'the config compiled into the bundle'),
  };
  return { 'process.env.WARDEN_CONFIG': JSON.stringify(JSON.stringify(compiled)) };
}

export interface TaskBundleRequest {
  /** The functions to bundle: each entry file is written as `<outdir>/<name>.js`. */
  entries: readonly { name: string; entry: string }[];
  outdir: string;
  /** Compiled into every bundle. @default - none: a bundle reads `WARDEN_CONFIG` when it runs */
  config?: WardenConfig;
  /**
   * Write a source map next to each bundle. Deployed functions get none: no function starts Node
   * with `--enable-source-maps`, so a map (about 4 MB beside a bundle of at most 1 MB) would ship in
   * every package unread.
   * @default false
   */
  sourcemap?: boolean;
  /** Write the files; otherwise they are returned in `outputFiles`. @default true */
  write?: boolean;
}

export type TaskBundleResult = BuildResult<{ metafile: true; write: boolean }> & { metafile: Metafile };

/**
 * Bundles functions with {@link TASK_BUNDLE_OPTIONS}. Several entries share one esbuild run, which
 * parses each package once; each bundle is still whole on its own (no shared chunks), byte for
 * byte the bundle a run of its entry alone writes.
 */
export async function buildTaskBundles(request: TaskBundleRequest): Promise<TaskBundleResult> {
  return build({
    ...TASK_BUNDLE_OPTIONS,
    mainFields: [...TASK_BUNDLE_OPTIONS.mainFields],
    entryPoints: request.entries.map(({ name, entry }) => ({ in: entry, out: name })),
    outdir: request.outdir,
    sourcemap: request.sourcemap ?? false,
    write: request.write ?? true,
    define: request.config ? configDefine(request.config) : {},
    metafile: true,
    plugins: [literalTraitKeysPlugin()],
  });
}

/** What esbuild's metafile says of one bundle's JavaScript (its source map not counted). */
export function bundleOutput(result: TaskBundleResult, name: string): Metafile['outputs'][string] {
  const output = Object.entries(result.metafile.outputs).find(
    ([file, out]) => out.entryPoint !== undefined && path.basename(file) === `${name}.js`,
  )?.[1];
  if (!output) throw new BundlingError(`esbuild wrote no bundle named ${name}.js`);
  return output;
}
