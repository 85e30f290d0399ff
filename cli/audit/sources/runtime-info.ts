import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import * as z from 'zod';
import { SourceUnavailableError } from '../errors';

/**
 * How `warden audit` finds the local runtime: `npm start` writes `.warden/runtime.json` with the
 * address of its Step Functions endpoint, and removes nothing when it stops (the next start
 * rewrites it); an endpoint that no longer answers is reported as unreachable.
 */
export const RUNTIME_INFO_FILE = join('.warden', 'runtime.json');

export const RuntimeInfo = z.object({
  sfnEndpoint: z.url({ protocol: /^https?$/ }),
});
export type RuntimeInfo = z.infer<typeof RuntimeInfo>;

/** Writes `runtime.json` into the runtime's data folder (`.warden` unless `--data-dir` says otherwise). */
export function writeRuntimeInfo(info: RuntimeInfo, dataDir = join(process.cwd(), '.warden')): string {
  const file = join(dataDir, 'runtime.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(RuntimeInfo.parse(info), null, 2)}\n`);
  return file;
}

/** The data folder's `runtime.json` (`<cwd>/.warden` unless `--data-dir` names another). */
export function runtimeInfoFile(cwd = process.cwd(), dataDir = DEFAULT_DATA_DIR): string {
  return resolve(cwd, dataDir, 'runtime.json');
}

export const DEFAULT_DATA_DIR = '.warden';

export function readRuntimeInfo(cwd = process.cwd(), dataDir = DEFAULT_DATA_DIR): RuntimeInfo {
  const path = runtimeInfoFile(cwd, dataDir);
  // Named as the user would type it: relative to where they are, when it is below.
  const below = relative(cwd, path);
  const file = below.startsWith('..') || isAbsolute(below) ? path : below;
  if (!existsSync(path)) {
    throw new SourceUnavailableError(
      `no local runtime found (${file} does not exist): start it with \`npm start\`, or give --endpoint URL, or --region/--profile to read AWS`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SourceUnavailableError(`${file} cannot be read: ${(error as Error).message}`);
  }
  const parsed = RuntimeInfo.safeParse(raw);
  if (!parsed.success) {
    throw new SourceUnavailableError(
      `${file} must hold { "sfnEndpoint": "http://127.0.0.1:<port>" }: ${parsed.error.issues[0]!.message}`,
    );
  }
  return parsed.data;
}
