import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProfile } from '../../../cli/target/aws-profile';
import { exampleCredentials, useAwsSharedFiles } from '../../fixtures/aws-shared-files';
import { runCli } from '../../fixtures/cli-run';

describe('checkProfile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-aws-files-'));
  const env = { AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
  writeFileSync(
    env.AWS_CONFIG_FILE,
    '[default]\nregion = eu-west-1\n[profile security]\nregion = eu-west-1\n',
  );
  writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, '[mgmt]\naws_access_key_id = AKIDEXAMPLE\n');

  it('accepts a profile of the config file or the credentials file', () => {
    expect(() => checkProfile('security', env)).not.toThrow();
    expect(() => checkProfile('mgmt', env)).not.toThrow();
  });

  it('fails naming the files and the profiles they hold', () => {
    expect(() => checkProfile('nosuch', env)).toThrow(
      `--profile nosuch is not a profile in ${env.AWS_CONFIG_FILE} or ${env.AWS_SHARED_CREDENTIALS_FILE} (profiles there: default, mgmt, security)`,
    );
  });

  it.each(
    [['reconcile', '--region', 'eu-west-1'], ['audit'], ['audit', '--region', 'eu-west-1']].map((a) => [
      a.join(' '),
      a,
    ]),
  )('makes `%s --profile nosuch` a usage error that says the profile does not exist', async (_, args) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const run = await runCli([...args, '--profile', 'nosuch']);

      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(/^warden: --profile nosuch is not a profile in /),
      ]);
    } finally {
      process.env = saved;
    }
  });
});

describe('--profile without --region', () => {
  let files: ReturnType<typeof useAwsSharedFiles>;
  beforeEach(() => {
    files = useAwsSharedFiles({
      config: '[profile noregion]\noutput = json\n[profile badregion]\nregion = eu west 1\n',
      credentials: `${exampleCredentials('noregion')}${exampleCredentials('badregion')}`,
    });
  });
  afterEach(() => files.restore());

  it.each(
    [['onboard', '300000000001'], ['sweep'], ['reconcile'], ['approvals'], ['audit']].map((a) => [a[0], a]),
  )(
    'makes `%s --profile P` a one-line usage error naming --region when P names no region',
    async (_, args) => {
      const run = await runCli([...args!, '--profile', 'noregion']);

      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        `warden: --profile noregion names no region (none in its section of ${files.env.AWS_CONFIG_FILE} or ${files.env.AWS_SHARED_CREDENTIALS_FILE}, and AWS_REGION is not set): give --region\n`,
      );
    },
  );

  it('refuses a profile whose region is not a region, before any call', async () => {
    const run = await runCli(['sweep', '--profile', 'badregion']);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'warden: --profile badregion names the region eu west 1, which is not an AWS region such as eu-west-1: give --region\n',
    );
  });
});
