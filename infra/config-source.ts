import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from '../config/load';
import type { WardenConfig } from '../config/schema';

/** The config file the app reads when neither the context nor the environment names one. */
export const DEFAULT_CONFIG_FILE = 'warden.config.json';

/**
 * Which config file to synthesize: `cdk synth -c config=PATH`, else `WARDEN_CONFIG_FILE`, else
 * `warden.config.json`; relative paths are resolved from the working directory (where `cdk` runs).
 */
export function configPath(app: App, env: NodeJS.ProcessEnv = process.env): string {
  const fromContext = app.node.tryGetContext('config') as unknown;
  if (fromContext !== undefined) return path.resolve(contextPath(fromContext));
  const fromEnv = env.WARDEN_CONFIG_FILE;
  if (fromEnv !== undefined && fromEnv.trim() === '') {
    throw new ConfigError('WARDEN_CONFIG_FILE is empty: set it to the path of a config file, or unset it');
  }
  return path.resolve(fromEnv ?? DEFAULT_CONFIG_FILE);
}

/**
 * The context value `config` (cdk.json's `context`, or `-c config=PATH`) names a file. cdk.json
 * can hold any JSON there, and the config itself written inline is the likely mistake, so anything
 * but a non-empty path is refused with what was found and what to write instead.
 */
function contextPath(value: unknown): string {
  const fix =
    'set it to the path of a config file, e.g. "config": "warden.config.json" or -c config=warden.config.json';
  if (typeof value !== 'string') {
    const found =
      value === null
        ? 'null'
        : Array.isArray(value)
          ? 'an array'
          : typeof value === 'object'
            ? 'an object'
            : `the ${typeof value} ${JSON.stringify(value)}`;
    const inline =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? ' (the config itself belongs in that file)'
        : '';
    throw new ConfigError(`context "config" must be a file path (a string), got ${found}${inline}: ${fix}`);
  }
  if (value.trim() === '') throw new ConfigError(`context "config" is empty: ${fix}`);
  if (value.includes('\0'))
    throw new ConfigError(`context "config" is not a file path (it contains a NUL character): ${fix}`);
  return value;
}

/** Loads and validates the config; a bad one throws ConfigError naming each offending field. */
export function loadAppConfig(app: App, env: NodeJS.ProcessEnv = process.env): WardenConfig {
  return loadConfig(configPath(app, env));
}
