import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../../config/load';
import { configPath, DEFAULT_CONFIG_FILE, loadAppConfig } from '../../infra/config-source';
import exampleConfigJson from '../../warden.config.json';

const dir = mkdtempSync(path.join(tmpdir(), 'warden-infra-config-'));
function writeConfig(name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

describe('configPath', () => {
  it('prefers the context, then WARDEN_CONFIG_FILE, then warden.config.json', () => {
    const fromContext = new App({ context: { config: '/a/context.json' } });
    expect(configPath(fromContext, { WARDEN_CONFIG_FILE: '/b/env.json' })).toBe('/a/context.json');
    expect(configPath(new App(), { WARDEN_CONFIG_FILE: '/b/env.json' })).toBe('/b/env.json');
    expect(configPath(new App(), {})).toBe(path.resolve(DEFAULT_CONFIG_FILE));
  });
});

describe('loadAppConfig', () => {
  it('loads the example config', () => {
    const config = loadAppConfig(new App(), { WARDEN_CONFIG_FILE: path.resolve('warden.config.json') });
    expect(config.organization.securityAccountId).toBe('222222222222');
  });

  it('fails synthesis with a message naming the bad field', () => {
    const file = writeConfig('bad-region.json', {
      ...exampleConfigJson,
      organization: { ...exampleConfigJson.organization, homeRegion: 'Ireland' },
    });
    const app = new App({ context: { config: file } });
    expect(() => loadAppConfig(app)).toThrow(ConfigError);
    expect(() => loadAppConfig(app)).toThrow(/organization\.homeRegion: must be an AWS region name/);
  });

  it('names a cross-field problem by its field', () => {
    const file = writeConfig('bad-band.json', {
      ...exampleConfigJson,
      response: { ...exampleConfigJson.response, ruleBand: { start: 50, end: 10 } },
    });
    expect(() => loadAppConfig(new App({ context: { config: file } }))).toThrow(
      /response\.ruleBand\.end: must be at least ruleBand\.start \(50\), got 10/,
    );
  });

  it('names a config file that does not exist', () => {
    expect(() => loadAppConfig(new App({ context: { config: path.join(dir, 'missing.json') } }))).toThrow(
      /cannot read config file .*missing\.json/,
    );
  });
});
