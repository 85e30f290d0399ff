import type { Command } from 'commander';

/** Each subcommand registers itself; add new ones here. */
export const commands: ReadonlyArray<(program: Command) => void> = [];
