import type { WardenConfig } from '../../config/schema';
import { BUNDLE_HANDLER, buildTaskBundles } from './task-bundle';

/**
 * The process `LocalTaskBundling` starts for each function while the CDK synthesizes: the CDK's
 * local bundling is synchronous and esbuild's plugins need its asynchronous API, so the build runs
 * here. Reads `{ entry, outputDir, config }` as JSON on stdin and writes `index.js` into
 * `outputDir`; esbuild's errors go to stderr with a non-zero exit.
 */
interface Request {
  entry: string;
  outputDir: string;
  config: WardenConfig;
}

/** `index` for the handler `index.handler`. */
const BUNDLE_FILE = BUNDLE_HANDLER.split('.')[0]!;

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Request;
  await buildTaskBundles({
    entries: [{ name: BUNDLE_FILE, entry: request.entry }],
    outdir: request.outputDir,
    config: request.config,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message ?? String(error)}\n`);
  process.exitCode = 1;
});
