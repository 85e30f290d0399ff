import { COMPILED_CONFIG_FORMAT, readCompiledConfig } from '../../../config/compiled';
import { ConfigError, parseConfig } from '../../../config/load';
import type { WardenConfig } from '../../../config/schema';
import { configDefine } from '../../../infra/bundling/task-bundle';
import exampleConfigJson from '../../../warden.config.json';
import { EXAMPLE_ORGANIZATION as organization } from '../../fixtures/example-organization';

/** The text esbuild compiles in for `process.env.WARDEN_CONFIG`. */
function compiledText(config: WardenConfig): string {
  return JSON.parse(configDefine(config)['process.env.WARDEN_CONFIG']!) as string;
}

describe('the config compiled into a bundle', () => {
  const configs: [string, unknown][] = [
    ['the example config', exampleConfigJson],
    ['a minimal config', { organization, response: {} }],
    [
      'a config with an OIDC authorizer and lists',
      {
        organization,
        response: { allowList: ['198.51.100.0/24'], ownCidrs: ['10.0.0.0/16'] },
        approvals: {
          authorizer: {
            kind: 'oidc',
            issuer: 'https://issuer.example.com',
            audience: ['warden'],
            clientAuthentication: 'client_secret_basic',
            clientSecretArn: 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:warden-AbCdEf',
          },
        },
      },
    ],
  ];

  it.each(configs)('reads back %s exactly as the schema parsed it', (_, raw) => {
    const parsed = parseConfig(raw);
    const read = readCompiledConfig(compiledText(parsed));
    expect(read).toEqual({ config: parsed });
    // What the function no longer does: parsing the compiled text again would change nothing.
    expect(parseConfig(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  });

  it('is validated when it is compiled in, naming the field', () => {
    const invalid = { ...parseConfig(exampleConfigJson), response: { naclRuleQuota: 1 } } as never;
    expect(() => configDefine(invalid)).toThrow(ConfigError);
    expect(() => configDefine(invalid)).toThrow(
      /the config compiled into the bundle is invalid:\nresponse\.naclRuleQuota: must be at least 2/,
    );
  });

  it.each([
    ['text that is not JSON', '{organization', /^is not JSON: /],
    [
      'a config that did not pass configDefine',
      JSON.stringify(exampleConfigJson),
      /^is not a config compiled by configDefine/,
    ],
    [
      'an envelope of another format',
      JSON.stringify({ format: 'warden-config', config: exampleConfigJson }),
      /^is not a config compiled by configDefine/,
    ],
    [
      'an envelope without the security account',
      JSON.stringify({
        format: COMPILED_CONFIG_FORMAT,
        config: { organization: { homeRegion: 'eu-west-1' } },
      }),
      /^has no organization\.securityAccountId$/,
    ],
    ['JSON null', 'null', /^is not a config compiled by configDefine/],
  ])('is refused when it is %s', (_, text, problem) => {
    const read = readCompiledConfig(text);
    expect('problem' in read && read.problem).toMatch(problem);
  });
});
