import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { ILocalBundling } from 'aws-cdk-lib';
import type { WardenConfig } from '../../config/schema';
import { BundlingError } from './task-bundle';

const COMMAND = require.resolve('./bundle-task-command.ts');
/** tsx's loader, so that the bundling process runs the project's TypeScript as the CDK app does. */
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

/**
 * Bundles a function on this machine with `buildTaskBundles`, in a separate Node.js process (see
 * `bundle-task-command.ts`). It never hands over to Docker: a failure stops synthesis with
 * esbuild's message.
 */
export class LocalTaskBundling implements ILocalBundling {
  constructor(
    private readonly entry: string,
    private readonly config: WardenConfig,
  ) {}

  tryBundle(outputDir: string): boolean {
    const result = spawnSync(process.execPath, ['--import', TSX_LOADER, COMMAND], {
      input: JSON.stringify({ entry: this.entry, outputDir, config: this.config }),
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    if (result.error) throw new BundlingError(`bundling ${this.entry} failed: ${result.error.message}`);
    if (result.status !== 0) {
      throw new BundlingError(`bundling ${this.entry} failed: ${result.stderr.trim()}`);
    }
    return true;
  }
}
