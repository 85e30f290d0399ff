#!/usr/bin/env node
import '../runtime/polyfills';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error';
import { commands } from './commands';

/**
 * `warden`: every subcommand lives in `cli/commands/<name>.ts` and registers itself on the
 * program. Errors a user can fix end in one line on stderr and exit code 1 (2 for usage errors),
 * never a stack trace.
 */
export function buildProgram(): Command {
  const program = new Command('warden')
    .description('Organisation-wide GuardDuty onboarding and finding response')
    .version(packageVersion(), '-V, --version', 'print the version of Warden')
    .exitOverride();
  program.configureOutput({ outputError: (text, write) => write(`${text.split('\n')[0]}\n`) });
  for (const register of commands) register(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  // `warden nosuch --help` would print the root help and exit 0, as if nosuch existed.
  const first = argv.find((a) => !a.startsWith('-'));
  if (
    first !== undefined &&
    argv.indexOf(first) === 0 &&
    !program.commands.some((c) => c.name() === first || c.aliases().includes(first)) &&
    first !== 'help'
  ) {
    process.stderr.write(`warden: unknown command '${first}' (see warden --help)\n`);
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its one-line message (or the help text).
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      process.stderr.write(`warden: ${error.message}\n`);
      return error.exitCode;
    }
    const e = error as Error;
    process.stderr.write(`warden: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}\n`);
    if (process.env.WARDEN_DEBUG) process.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
