import { readFileSync } from 'node:fs';
import { describeIssues } from './issues';
import { type WardenConfig, WardenConfigSchema } from './schema';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
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
