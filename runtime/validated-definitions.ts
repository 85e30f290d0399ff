import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cacheFolder } from './deployment/synth-cache';

/**
 * The state machine definitions asl-validator has accepted, remembered in memory for the process
 * and on disk (an empty marker file per definition, in the synthesis cache's folder), so that
 * each distinct definition is validated once per machine rather than once per process.
 *
 * asl-validator builds and compiles its JSON schemas with ajv on every call: that compilation was
 * a quarter of the CPU of a test file that deploys Warden, and jest gives every test file a module
 * registry of its own, so a module-level set remembered a definition for one file only.
 * Validation is a pure function of the definition, the options and asl-validator's version, so
 * all three are in the key; a marker is written only after the definition was accepted.
 */
const VALIDATOR = versionsOfValidator();
const inMemory = new Set<string>();

export interface AslValidationOptions {
  checkArn: boolean;
  checkPaths: boolean;
}

function keyOf(definitionText: string, options: AslValidationOptions): string {
  return createHash('sha256')
    .update(`${VALIDATOR} ${JSON.stringify(options)}\n`)
    .update(definitionText)
    .digest('hex')
    .slice(0, 40);
}

/**
 * The validator that runs: aws-local-stepfunctions calls the asl-validator it depends on, which
 * is not necessarily the one at the top of node_modules.
 */
function versionsOfValidator(): string {
  const packageOf = (entry: string, name: string) => {
    let folder = path.dirname(entry);
    while (path.basename(folder) !== name) {
      const parent = path.dirname(folder);
      if (parent === folder) throw new Error(`${entry} is not inside a package named ${name}`);
      folder = parent;
    }
    return (require(path.join(folder, 'package.json')) as { version: string }).version;
  };
  const runner = require.resolve('aws-local-stepfunctions');
  const validator = require.resolve('asl-validator', { paths: [path.dirname(runner)] });
  return `aws-local-stepfunctions@${packageOf(runner, 'aws-local-stepfunctions')} asl-validator@${packageOf(validator, 'asl-validator')}`;
}

function markerOf(key: string): string {
  return path.join(cacheFolder(), 'valid-definitions', key);
}

/** True when asl-validator accepted this definition text with these options before. */
export function wasValidated(definitionText: string, options: AslValidationOptions): boolean {
  const key = keyOf(definitionText, options);
  if (inMemory.has(key)) return true;
  if (!existsSync(markerOf(key))) return false;
  inMemory.add(key);
  return true;
}

/** Remembers that asl-validator accepted this definition text with these options. */
export function recordValidated(definitionText: string, options: AslValidationOptions): void {
  const key = keyOf(definitionText, options);
  inMemory.add(key);
  try {
    const marker = markerOf(key);
    mkdirSync(path.dirname(marker), { recursive: true });
    writeFileSync(marker, '');
  } catch {
    // A folder that cannot be written only means the next process validates the definition again.
  }
}
