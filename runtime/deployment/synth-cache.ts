import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { WardenConfig } from '../../config/schema';
import type { StackTemplate } from './template';

/**
 * Synthesized templates, cached per config: in memory for the process, and on disk keyed by a hash
 * of the config and of every source file synthesis reads, so that test workers and repeated
 * `npm start` share one synthesis. A change to any of those files (or to the installed CDK) is a
 * new key; stale entries are simply never read again.
 */
const SOURCE_FOLDERS = ['infra', 'workflows', 'tasks', 'config'];
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Folder of the disk cache. @default - `warden-synth` under the system's temporary folder */
export function cacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  return env.WARDEN_SYNTH_CACHE ?? path.join(tmpdir(), `warden-synth-${process.getuid?.() ?? 'user'}`);
}

export interface SynthStats {
  /** Syntheses run in this process. */
  synthesized: number;
  /** Milliseconds spent synthesizing in this process. */
  synthMs: number;
  memoryHits: number;
  diskHits: number;
}

export const synthStats: SynthStats = { synthesized: 0, synthMs: 0, memoryHits: 0, diskHits: 0 };

const memory = new Map<string, StackTemplate[]>();
let sourcesDigest: string | undefined;

/** The templates `cdk deploy` would deploy for this config. */
export function deployedTemplates(config: WardenConfig): StackTemplate[] {
  const key = cacheKey(config);
  const cached = memory.get(key);
  if (cached) {
    synthStats.memoryHits += 1;
    return cached;
  }
  const file = path.join(cacheFolder(), `${key}.json`);
  let templates = readCached(file);
  if (templates) {
    synthStats.diskHits += 1;
  } else {
    const started = Date.now();
    synthesizeInChild(config, file);
    templates = readCached(file);
    if (!templates) throw new Error(`synthesis wrote no templates to ${file}`);
    synthStats.synthesized += 1;
    synthStats.synthMs += Date.now() - started;
  }
  deepFreeze(templates);
  memory.set(key, templates);
  return templates;
}

export function cacheKey(config: WardenConfig): string {
  sourcesDigest ??= digestSources();
  return createHash('sha256').update(sourcesDigest).update(JSON.stringify(config)).digest('hex').slice(0, 32);
}

function readCached(file: string): StackTemplate[] | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackTemplate[];
  } catch {
    // Missing, or half-written by a process that died: synthesize again.
    return undefined;
  }
}

/** Runs `synth-main.ts` under tsx, in a fresh process (see there why). */
function synthesizeInChild(config: WardenConfig, file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tsx = require.resolve('tsx/cli');
  execFileSync(process.execPath, [tsx, path.join(__dirname, 'synth-main.ts'), file], {
    input: JSON.stringify(config),
    cwd: PROJECT_ROOT,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
}

function digestSources(): string {
  const hash = createHash('sha256');
  const files: string[] = [path.join(PROJECT_ROOT, 'package-lock.json')];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder).sort()) {
      const full = path.join(folder, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(ts|json)$/.test(entry)) files.push(full);
    }
  };
  for (const folder of SOURCE_FOLDERS) walk(path.join(PROJECT_ROOT, folder));
  for (const file of files) hash.update(path.relative(PROJECT_ROOT, file)).update(readFileSync(file));
  return hash.digest('hex');
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}
