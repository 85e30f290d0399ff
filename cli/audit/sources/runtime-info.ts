import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
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

export function readRuntimeInfo(cwd = process.cwd()): RuntimeInfo {
  const file = join(cwd, RUNTIME_INFO_FILE);
  if (!existsSync(file)) {
    throw new SourceUnavailableError(
      `no local runtime found (${RUNTIME_INFO_FILE} does not exist): start it with \`npm start\`, or give --endpoint URL, or --region/--profile to read AWS`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new SourceUnavailableError(`${RUNTIME_INFO_FILE} cannot be read: ${(error as Error).message}`);
  }
  const parsed = RuntimeInfo.safeParse(raw);
  if (!parsed.success) {
    throw new SourceUnavailableError(
      `${RUNTIME_INFO_FILE} must hold { "sfnEndpoint": "http://127.0.0.1:<port>" }: ${parsed.error.issues[0]!.message}`,
    );
  }
  return parsed.data;
}
