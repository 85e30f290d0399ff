import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { loadConfig } from '../config/load';
import type { WardenConfig } from '../config/schema';

/** The config file the app reads when neither the context nor the environment names one. */
export const DEFAULT_CONFIG_FILE = 'warden.config.json';

/**
 * Which config file to synthesize: `cdk synth -c config=PATH`, else `WARDEN_CONFIG_FILE`, else
 * `warden.config.json`; relative paths are resolved from the working directory (where `cdk` runs).
 */
export function configPath(app: App, env: NodeJS.ProcessEnv = process.env): string {
  const fromContext = app.node.tryGetContext('config') as unknown;
  if (fromContext !== undefined && typeof fromContext !== 'string') {
    throw new TypeError(`context "config" must be a file path, got ${JSON.stringify(fromContext)}`);
  }
  return path.resolve(fromContext ?? env.WARDEN_CONFIG_FILE ?? DEFAULT_CONFIG_FILE);
}

/** Loads and validates the config; a bad one throws ConfigError naming each offending field. */
export function loadAppConfig(app: App, env: NodeJS.ProcessEnv = process.env): WardenConfig {
  return loadConfig(configPath(app, env));
}
