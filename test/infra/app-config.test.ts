import { spawnSync } from 'node:child_process';
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

describe('a context value "config" that is not a file path', () => {
  it.each([
    [5, 'got the number 5'],
    [true, 'got the boolean true'],
    [null, 'got null'],
    [['warden.config.json'], 'got an array'],
    [{ organization: {} }, 'got an object (the config itself belongs in that file)'],
    ['', 'context "config" is empty'],
    ['  ', 'context "config" is empty'],
  ])('refuses %j with a ConfigError that says what to write', (value, found) => {
    const app = new App({ context: { config: value } });

    expect(() => configPath(app, {})).toThrow(ConfigError);
    expect(() => configPath(app, {})).toThrow(found);
    expect(() => configPath(app, {})).toThrow('set it to the path of a config file');
  });

  it('refuses an empty WARDEN_CONFIG_FILE rather than reading the working directory', () => {
    expect(() => configPath(new App(), { WARDEN_CONFIG_FILE: '' })).toThrow(/WARDEN_CONFIG_FILE is empty/);
  });

  it('stops `cdk synth` (the app as the CDK CLI runs it, cdk.json context in CDK_CONTEXT_JSON) with one line and exit 1', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'warden-synth-'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../infra/app.ts')], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: 5 }), CDK_OUTDIR: outdir },
      encoding: 'utf8',
    });

    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      'context "config" must be a file path (a string), got the number 5: set it to the path of a config file, e.g. "config": "warden.config.json" or -c config=warden.config.json',
    );
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

  it.each([
    ['allowList', '10.1.2.3/8', 'host bits must be zero in "10.1.2.3/8"; did you mean 10.0.0.0/8?'],
    ['ownCidrs', '198.051.100.7/32', 'an octet has a leading zero in "198.051.100.7"'],
    [
      'allowList',
      '1.2.3.4/33',
      'prefix length must be a whole number from 0 to 32 for an IPv4 block, got "1.2.3.4/33"',
    ],
    ['ownCidrs', '2001:db8::1/32', 'host bits must be zero in "2001:db8::1/32"; did you mean 2001:db8::/32?'],
  ])('fails synthesis on a %s entry %s the never-block guard could not read', (field, entry, message) => {
    const file = writeConfig(`bad-${field}.json`, {
      ...exampleConfigJson,
      response: { ...exampleConfigJson.response, [field]: [entry] },
    });
    const app = new App({ context: { config: file } });

    expect(() => loadAppConfig(app)).toThrow(ConfigError);
    expect(() => loadAppConfig(app)).toThrow(`response.${field}.0: ${message}`);
  });
});
