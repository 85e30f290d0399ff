import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseConfig } from '../../config/load';
import { synthesizeTemplates } from './synthesize';

/**
 * `tsx runtime/deployment/synth-main.ts OUT_FILE` with the config as JSON on stdin: synthesizes
 * in a process of its own, so the templates come from the sources as they are on disk — never
 * from a caller's module registry (a test that mocks a module must not change what is deployed)
 * — and so that the caller never loads aws-cdk-lib.
 */
const [outFile] = process.argv.slice(2);
if (!outFile) {
  process.stderr.write('usage: synth-main OUT_FILE < config.json\n');
  process.exit(2);
}
const config = parseConfig(JSON.parse(readFileSync(0, 'utf8')), 'config on stdin');
const partial = `${outFile}.${process.pid}.partial`;
writeFileSync(partial, JSON.stringify(synthesizeTemplates(config)));
// Renamed into place, so a concurrent reader sees the whole file or none.
renameSync(partial, outFile);
