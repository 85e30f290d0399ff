import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from '@jest/globals';

/**
 * Which folder may import which, as data. A folder imports only from its own layer's folders or
 * from layers below it; the README's architecture section states the same order. The two
 * rules inside `tasks/` keep the shared code and the GuardDuty library at the bottom of it.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['config'],
  ['tasks'],
  ['workflows'],
  ['audit'],
  ['infra'],
  ['runtime'],
  ['cli'],
  ['bench', 'bin'],
];

/** Folders inside `tasks/` that import no other folder of `tasks/` but `tasks/shared/`. */
const TASK_FOUNDATIONS: readonly string[] = ['tasks/shared', 'tasks/guardduty'];

/**
 * Task folders that must not import one another's: the sweep and the free-trial watch reach
 * GuardDuty membership through `tasks/guardduty/`, never through onboarding's internals (a repair
 * is an onboarding execution, started by name, not a call into its code).
 */
/**
 * Folders above `tasks/` that must not import a task folder's code: the audit story reads the
 * archive format every writer and reader shares (tasks/shared/archive-format.ts), never the
 * archiver's own code, so the story and the archiver can change apart.
 */
const LIBRARY_SEPARATIONS: readonly (readonly [from: string, to: string])[] = [['audit', 'tasks/audit']];

const TASK_SEPARATIONS: readonly (readonly [from: string, to: string])[] = [
  ['tasks/sweep', 'tasks/onboarding'],
  ['tasks/free-trial', 'tasks/onboarding'],
];

const ROOT = resolve(__dirname, '..');

interface Import {
  /** The importing file, relative to the project root with `/` separators. */
  file: string;
  /** What it imports, resolved relative to the project root. */
  target: string;
}

/** The first folder of a project path (`tasks`), or for `tasks/` its first two (`tasks/shared`). */
function topFolder(path: string): string {
  const parts = path.split('/');
  return parts[0] ?? path;
}

function taskFolder(path: string): string | undefined {
  const parts = path.split('/');
  return parts[0] === 'tasks' && parts.length > 2 ? `tasks/${parts[1]}` : undefined;
}

function layerOf(folder: string): number {
  return LAYERS.findIndex((layer) => layer.includes(folder));
}

/** Each import that breaks a rule, as `file → target: why`. */
function forbiddenImports(imports: readonly Import[]): string[] {
  const broken: string[] = [];
  for (const { file, target } of imports) {
    const from = topFolder(file);
    const to = topFolder(target);
    const fromLayer = layerOf(from);
    const toLayer = layerOf(to);
    if (to !== from && toLayer !== -1 && toLayer > fromLayer) {
      broken.push(`${file} → ${target}: ${from}/ is below ${to}/ in the layering`);
      continue;
    }
    const fromTask = taskFolder(file);
    const toTask = taskFolder(target);
    if (LIBRARY_SEPARATIONS.some(([a, b]) => a === from && b === toTask)) {
      broken.push(`${file} → ${target}: ${from}/ does not import ${toTask}/`);
      continue;
    }
    const toShared = toTask === 'tasks/shared';
    if (fromTask && toTask && fromTask !== toTask && TASK_FOUNDATIONS.includes(fromTask) && !toShared) {
      broken.push(`${file} → ${target}: ${fromTask}/ imports no other folder of tasks/ but tasks/shared/`);
      continue;
    }
    if (TASK_SEPARATIONS.some(([a, b]) => a === fromTask && b === toTask)) {
      broken.push(`${file} → ${target}: ${fromTask}/ does not import ${toTask}/`);
    }
  }
  return broken;
}

const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Every relative import of every source file below the layered folders (tests excluded). */
function projectImports(): Import[] {
  const out: Import[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'results') visit(path);
      } else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const file = relative(ROOT, path).split(sep).join('/');
        for (const match of readFileSync(path, 'utf8').matchAll(SPECIFIER)) {
          const target = relative(ROOT, resolve(dirname(path), match[1]!))
            .split(sep)
            .join('/');
          out.push({ file, target });
        }
      }
    }
  };
  for (const folder of LAYERS.flat()) visit(join(ROOT, folder));
  return out;
}

describe('dependency rules', () => {
  const imports = projectImports();

  it('reads the imports of every layered folder', () => {
    const importing = new Set(imports.map((i) => topFolder(i.file)));
    for (const folder of ['tasks', 'workflows', 'audit', 'infra', 'runtime', 'cli', 'bench', 'bin']) {
      expect(importing).toContain(folder);
    }
  });

  it('finds no import from a lower layer into a higher one', () => {
    expect(forbiddenImports(imports)).toEqual([]);
  });

  it.each([
    ['tasks/response/notify.ts', 'workflows/response/definition', 'tasks/ is below workflows/'],
    ['tasks/onboarding/plan-regions.ts', 'runtime/local-warden', 'tasks/ is below runtime/'],
    ['tasks/approval/page.ts', 'cli/cli-error', 'tasks/ is below cli/'],
    ['tasks/audit/archive-execution.ts', 'infra/names', 'tasks/ is below infra/'],
    ['runtime/console/render.ts', 'cli/audit/filters', 'runtime/ is below cli/'],
    ['audit/story.ts', 'cli/audit/errors', 'audit/ is below cli/'],
    ['audit/story.ts', 'runtime/history', 'audit/ is below runtime/'],
    ['config/schema.ts', 'tasks/shared/task', 'config/ is below tasks/'],
    ['tasks/shared/notifications.ts', 'tasks/response/triage', 'tasks/shared/ imports no other folder'],
    ['tasks/guardduty/aws.ts', 'tasks/onboarding/model', 'tasks/guardduty/ imports no other folder'],
    ['audit/story.ts', 'tasks/audit/read-execution', 'audit/ does not import tasks/audit/'],
    [
      'tasks/sweep/drift.ts',
      'tasks/onboarding/memberships',
      'tasks/sweep/ does not import tasks/onboarding/',
    ],
    [
      'tasks/free-trial/read-free-trial-days.ts',
      'tasks/onboarding/batch-size',
      'tasks/free-trial/ does not import tasks/onboarding/',
    ],
  ])('refuses %s importing %s', (file, target, why) => {
    const [message] = forbiddenImports([{ file, target }]);
    expect(message).toContain(why);
  });

  it.each([
    ['cli/commands/audit.ts', 'audit/story'],
    ['runtime/console/render.ts', 'audit/render/html'],
    ['audit/story.ts', 'tasks/shared/archive-format'],
    ['tasks/audit/archive-execution.ts', 'tasks/shared/archive-format'],
    ['tasks/response/notify.ts', 'tasks/shared/notifications'],
    ['tasks/onboarding/publish-drift.ts', 'config/schema'],
    ['tasks/onboarding/publish-drift.ts', 'tasks/sweep/drift'],
    ['tasks/sweep/plan-batches.ts', 'tasks/guardduty/batch-size'],
    ['tasks/guardduty/administrator.ts', 'tasks/shared/aws-call'],
    ['tasks/sweep/drift.ts', 'tasks/guardduty/memberships'],
  ])('allows %s importing %s', (file, target) => {
    expect(forbiddenImports([{ file, target }])).toEqual([]);
  });
});
