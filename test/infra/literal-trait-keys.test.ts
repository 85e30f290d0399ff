import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { literalTraitKeys, literalTraitKeysPlugin } from '../../infra/bundling/literal-trait-keys';
import { TASK_BUNDLE_OPTIONS } from '../../infra/bundling/task-bundle';
import packageJson from '../../package.json';

/**
 * The bundling rewrite of the AWS SDK's schema files must change how esbuild sees them and
 * nothing the SDK reads: every schema of every client Warden depends on is evaluated from the
 * package's file and from the rewritten one, and the two are compared shape for shape.
 */
const CLIENTS = Object.keys(packageJson.dependencies).filter((name) => name.startsWith('@aws-sdk/client-'));

function schemaFiles(client: string): string[] {
  const dir = path.join(path.dirname(require.resolve(`${client}/package.json`)), 'dist-es', 'schemas');
  return readdirSync(dir)
    .filter((file) => /^schemas_\d+\.js$/.test(file))
    .map((file) => path.join(dir, file));
}

/** Every export of each schema file, evaluated from a CommonJS bundle of all of them. */
async function evaluateSchemas(files: string[], plugins: Plugin[]): Promise<Record<string, unknown>> {
  const result = await build({
    stdin: {
      contents: files.map((file, i) => `export * as s${i} from ${JSON.stringify(file)};`).join('\n'),
      resolveDir: __dirname,
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    mainFields: [...TASK_BUNDLE_OPTIONS.mainFields],
    write: false,
    logLevel: 'silent',
    plugins,
  });
  const module = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', result.outputFiles[0]!.text)(module, module.exports, require);
  return module.exports;
}

/**
 * A text that is equal for equal schema graphs: arrays, objects and maps by content, shared or
 * cyclic values by the order they were first met, lazy references (`() => Schema$`) by what they
 * return, classes (the error classes a registry keeps) by name.
 */
function canonical(root: unknown): string {
  const out: string[] = [];
  const seen = new Map<unknown, number>();
  const visit = (value: unknown): void => {
    if (typeof value === 'function' && 'prototype' in value) {
      out.push(`class ${(value as { name: string }).name}`);
      return;
    }
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      out.push(JSON.stringify(value) ?? String(value));
      return;
    }
    const id = seen.get(value);
    if (id !== undefined) {
      out.push(`#${id}`);
      return;
    }
    seen.set(value, seen.size);
    if (typeof value === 'function') {
      out.push('=>');
      visit((value as () => unknown)());
    } else if (Array.isArray(value)) {
      out.push(`[${value.length}`);
      for (const item of value) visit(item);
      out.push(']');
    } else {
      const entries = value instanceof Map ? [...value.entries()] : Object.entries(value as object);
      out.push(`{${value.constructor?.name ?? ''}`);
      for (const [key, item] of entries) {
        visit(key);
        visit(item);
      }
      out.push('}');
    }
  };
  visit(root);
  return out.join(' ');
}

describe('literalTraitKeys', () => {
  it('writes computed keys that name string constants as those strings', () => {
    const source = [
      'const _eQN = "ec2QueryName";',
      'const _xN = "xmlName";',
      'export var A$ = [3, n0, _A, 0, [_B], [[0, { [_eQN]: `EntrySet`,',
      '      [_xN]: _eS }]]];',
    ].join('\n');

    const { contents, replaced } = literalTraitKeys(source);

    expect(replaced).toBe(2);
    expect(contents).toContain('[[0, { "ec2QueryName": `EntrySet`,\n      "xmlName": _eS }]]');
    expect(contents).toContain('[3, n0, _A, 0, [_B],');
  });

  it('leaves a computed key alone when the file does not declare it as a string', () => {
    const source = 'const _n = 1;\nexport var A$ = [{ [_n]: 1, [_other]: 2 }];';

    expect(literalTraitKeys(source)).toEqual({ contents: source, replaced: 0 });
  });

  it.each(CLIENTS)('leaves every schema of %s as the SDK reads it', async (client) => {
    const files = schemaFiles(client);

    const original = await evaluateSchemas(files, []);
    const rewritten = await evaluateSchemas(files, [literalTraitKeysPlugin()]);

    expect(files.length).toBeGreaterThan(0);
    expect(Object.keys(rewritten)).toEqual(Object.keys(original));
    expect(canonical(rewritten)).toEqual(canonical(original));
  });
});
