import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProfile } from '../../../cli/target/aws-profile';
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
