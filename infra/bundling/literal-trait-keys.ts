import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/**
 * The AWS SDK clients' generated schema files (`dist-es/schemas/schemas_0.js`) write their trait
 * objects with computed keys that name module constants: `{ [_eQN]: "EntrySet" }` after
 * `const _eQN = "ec2QueryName"`. esbuild treats a computed key as a possible side effect (it may
 * call `toString`), so it keeps every statement holding one, and with it every schema those
 * statements reach: the EC2 client's whole 550 KB schema, however few commands a function sends
 * (aws/aws-sdk-js-v3#7607; smithy-lang/smithy-typescript#1889 makes the generator write literal
 * keys instead). This plugin makes that same change while bundling: each `[_x]:` whose `_x` the
 * file declares as `const _x = "…"` becomes the string itself. The objects are equal key for key,
 * so the SDK reads the same schemas; only unused ones can now be dropped.
 */
export const SCHEMA_FILE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;

/** `const _eQN = "ec2QueryName";`: the string constants a schema file declares, one per line. */
const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm;
/** A computed key naming one of them, at the start of an object member. */
const COMPUTED_KEY = /([{,]\s*)\[(_\w+)\]:/g;

export interface LiteralKeysResult {
  contents: string;
  /** Computed keys written as literals. */
  replaced: number;
}

/** The schema file's source with each computed key that names a string constant made literal. */
export function literalTraitKeys(source: string): LiteralKeysResult {
  const strings = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) strings.set(name!, literal!);
  let replaced = 0;
  const contents = source.replace(COMPUTED_KEY, (whole, before: string, name: string) => {
    const literal = strings.get(name);
    if (literal === undefined) return whole;
    replaced += 1;
    return `${before}${literal}:`;
  });
  return { contents, replaced };
}

/** Rewritten schema files by path, shared by every build of this process (they do not change). */
const rewritten = new Map<string, Promise<string>>();

/** The esbuild plugin that applies {@link literalTraitKeys} to the SDK's schema files. */
export function literalTraitKeysPlugin(): Plugin {
  return {
    name: 'warden-literal-trait-keys',
    setup(build) {
      build.onLoad({ filter: SCHEMA_FILE }, async (args) => {
        let contents = rewritten.get(args.path);
        if (!contents) {
          contents = readFile(args.path, 'utf8').then((source) => literalTraitKeys(source).contents);
          rewritten.set(args.path, contents);
        }
        return { contents: await contents, loader: 'js' };
      });
    },
  };
}
