import type { WardenConfig } from './schema';

/**
 * The config as the CDK app compiles it into each function's bundle (`configDefine` in
 * infra/bundling/task-bundle.ts): the output of `parseConfig`, validated against the full schema
 * when the bundle is built, in an envelope that says so. A function reads it back with
 * `readCompiledConfig` and does not build the schema again at cold start: the schema and the
 * function come from the same synthesis, so a second pass would check the same value with the
 * same rules, and building the schema's ~600 lines of zod is most of what a function adds to the
 * cold start of its AWS SDK clients.
 */
export const COMPILED_CONFIG_FORMAT = 'warden-config, validated by parseConfig';

export interface CompiledConfig {
  format: typeof COMPILED_CONFIG_FORMAT;
  config: WardenConfig;
}

/**
 * The config inside a compiled envelope, or why the text is not one. It checks what proves the
 * text came from `configDefine` (the envelope's format) and the fields every function reads
 * before its task runs, not the schema's rules, which were applied when it was compiled.
 */
export function readCompiledConfig(text: string): { config: WardenConfig } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `is not JSON: ${(error as Error).message}` };
  }
  const envelope = value as Partial<CompiledConfig> | null;
  if (typeof envelope !== 'object' || envelope === null || envelope.format !== COMPILED_CONFIG_FORMAT) {
    return {
      problem: `is not a config compiled by configDefine (its format is not "${COMPILED_CONFIG_FORMAT}")`,
    };
  }
  const organization = (envelope.config as Partial<WardenConfig> | undefined)?.organization;
  for (const field of ['securityAccountId', 'homeRegion'] as const) {
    if (typeof organization?.[field] !== 'string') {
      return { problem: `has no organization.${field}` };
    }
  }
  return { config: envelope.config as WardenConfig };
}
