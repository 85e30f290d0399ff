import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { PROJECT_ROOT } from '../../infra/names';
import { renderMemberRoleTemplate } from '../../infra/stacks/member-role-stack';
import { exampleConfig, synthWarden } from './helpers';

interface CfnLintMatch {
  Rule: { Id: string };
  Message: string;
  Filename: string;
  Location: { Path?: (string | number)[] };
}

/**
 * cfn-lint (1.51 on the machine image) over every template Warden deploys: the security, management
 * and forwarding stacks and the member role template inside the StackSet. Suppressions live in
 * .cfnlintrc.yaml, each with its reason; anything else it reports, error or warning, fails.
 */
describe('cfn-lint', () => {
  let dir: string;
  let run: ReturnType<typeof spawnSync>;
  const config = exampleConfig();

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'warden-cfn-lint-'));
    const synth = synthWarden(config);
    const templates: Record<string, unknown> = {
      [synth.security.stackName]: Template.fromStack(synth.security).toJSON(),
      [synth.management.stackName]: Template.fromStack(synth.management).toJSON(),
      WardenMemberRole: renderMemberRoleTemplate(config),
      ...Object.fromEntries(
        [...synth.forwarding.values()].map((s) => [s.stackName, Template.fromStack(s).toJSON()]),
      ),
    };
    for (const [name, template] of Object.entries(templates)) {
      writeFileSync(path.join(dir, `${name}.template.json`), JSON.stringify(template, null, 1));
    }
    run = spawnSync(
      'cfn-lint',
      [
        '--config-file',
        path.join(PROJECT_ROOT, '.cfnlintrc.yaml'),
        '--format',
        'json',
        '--regions',
        ...config.organization.regions,
        '--',
        ...Object.keys(templates).map((name) => path.join(dir, `${name}.template.json`)),
      ],
      { encoding: 'utf8', timeout: 180_000 },
    );
  }, 240_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs on this machine', () => {
    // Not a skip: without cfn-lint the templates are unchecked, and CI must say so.
    expect(run.error?.message).toBeUndefined();
    expect(String(run.stderr)).toBe('');
  });

  it('finds no error and no unsuppressed warning in any template', () => {
    const matches = JSON.parse(String(run.stdout) || '[]') as CfnLintMatch[];
    expect(
      matches.map(
        (m) => `${m.Rule.Id} ${path.basename(m.Filename)} ${(m.Location.Path ?? []).join('/')}: ${m.Message}`,
      ),
    ).toEqual([]);
    expect(run.status).toBe(0);
  });
});
