import type { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../audit/sources/runtime-info';
import type { TargetOptions } from './warden-target';

/** The options of every command that acts on a Warden (see `resolveTarget` for the order). */
export interface TargetCommandOptions extends TargetOptions {
  timeout: string;
}

export function addTargetOptions(command: Command, defaults: { timeout?: string } = {}): Command {
  return command
    .option('--region <region>', "Warden in AWS: the region of its security stack (the config's homeRegion)")
    .option('--profile <profile>', 'Warden in AWS: a profile of the shared config files')
    .option('--endpoint <url>', 'a running Warden (default: the local runtime in <data dir>/runtime.json)')
    .option('--data-dir <dir>', 'the local runtime’s data folder (as given to npm start)', DEFAULT_DATA_DIR)
    .option('--timeout <seconds>', 'how long to wait for the result', defaults.timeout ?? '900');
}
