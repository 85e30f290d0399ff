import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { type WardenConfig, WardenConfigSchema } from './schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** `response.ruleBand.end: must be at least ruleBand.start (50), got 10` — one line per problem. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return `${prefix}${path || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}

export function parseConfig(raw: unknown, source = 'config'): WardenConfig {
  const result = WardenConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`${source} is invalid:\n${describeIssues(result.error)}`);
  }
  return result.data;
}

export function loadConfig(path: string): WardenConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseConfig(raw, path);
}
