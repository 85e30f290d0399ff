import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { exampleConfig, fakeTask, fakeWorkflow, referencedId, synthWarden } from './helpers';

/** Config choices that change the security stack, each synthesized once, without the real workflows. */

describe('approval API with an external OIDC issuer', () => {
  let template: Template;
  beforeAll(() => {
    const config = exampleConfig({
      approvals: {
        authorizer: {
          kind: 'oidc',
          issuer: 'https://login.example.com/oauth2',
          audience: ['warden-approvals'],
        },
      },
    });
    template = Template.fromStack(synthWarden(config, []).security);
  });

  it('validates tokens from the configured issuer and audience', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: 'https://login.example.com/oauth2', Audience: ['warden-approvals'] },
    });
  });

  it('creates no user pool', () => {
    expect(Object.keys(template.findResources('AWS::Cognito::UserPool'))).toEqual([]);
  });

  it('still protects every route', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes).toHaveLength(3);
    for (const route of routes) expect(route.Properties.AuthorizationType).toBe('JWT');
  });
});

describe('history archive with object lock', () => {
  let template: Template;
  beforeAll(() => {
    const config = exampleConfig({ audit: { archiveRetentionDays: 400, objectLock: true } });
    template = Template.fromStack(synthWarden(config, []).security);
  });

  it('locks archived histories in COMPLIANCE mode for the retention and expires them after it', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } },
      },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 400 })]) },
    });
  });
});

describe('generic wiring over WORKFLOWS', () => {
  const pending = fakeTask('NotWrittenYet', { publish: true }, '/nonexistent/tasks/not-written-yet.ts');
  const workflows = [
    fakeWorkflow('alpha', [fakeTask('AlphaFirst', { tables: { findings: 'read' } }), pending]),
    fakeWorkflow('beta', [fakeTask('AlphaFirst', { tables: { findings: 'read' } }), fakeTask('BetaOnly')]),
  ];
  let synth: ReturnType<typeof synthWarden>;
  let template: Template;
  beforeAll(() => {
    synth = synthWarden(exampleConfig(), workflows);
    template = Template.fromStack(synth.security);
  });

  it('creates one function per distinct task id, shared by the workflows that use it', () => {
    const roleNames = Object.values(template.findResources('AWS::IAM::Role'))
      .map((r) => r.Properties.RoleName as string | undefined)
      .filter((n) => n?.startsWith('WardenTask-'))
      .sort();
    expect(roleNames).toEqual(
      ['AlphaFirst', 'ApprovalPage', 'ArchiveExecution', 'BetaOnly', 'IntakeFinding', 'NotWrittenYet']
        .map((id) => `WardenTask-${id}`)
        .sort(),
    );
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const alphaFirst = machines.map((m) => m.Properties.DefinitionSubstitutions.AlphaFirst);
    expect(alphaFirst[0]).toEqual(alphaFirst[1]);
  });

  it('deploys a task whose file does not exist yet as a placeholder that fails, and warns at synth', () => {
    const roleId = Object.keys(
      template.findResources('AWS::IAM::Role', { Properties: { RoleName: 'WardenTask-NotWrittenYet' } }),
    )[0];
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => referencedId(f.Properties.Role) === roleId,
    );
    expect(fn.Properties.Code.ZipFile).toContain('TaskNotDeployedError');
    Annotations.fromStack(synth.security).hasWarning(
      '*',
      Match.stringLikeRegexp('not-written-yet.ts does not exist; NotWrittenYet is deployed as a placeholder'),
    );
  });

  it('refuses a workflow whose ASL names a task it does not declare', () => {
    const broken = fakeWorkflow('broken', [fakeTask('Declared')]);
    const build = broken.build;
    broken.build = (config) => {
      const definition = build(config);
      definition.States['Run Declared'].Resource = `$${'{'}Undeclared}`;
      return definition;
    };
    expect(() => synthWarden(exampleConfig(), [broken])).toThrow(
      `workflow broken uses $${'{'}Undeclared} but its tasks are Declared`,
    );
  });

  it('refuses one task id naming two different files', () => {
    const a = fakeWorkflow('a', [fakeTask('Same')]);
    const b = fakeWorkflow('b', [fakeTask('Same', {}, '/elsewhere/same.ts')]);
    expect(() => synthWarden(exampleConfig(), [a, b])).toThrow(/task id Same names two different files/);
  });

  it('refuses a wildcard action in a task’s needs', () => {
    const w = fakeWorkflow('greedy', [fakeTask('Greedy', { actions: ['guardduty:*'] })]);
    expect(() => synthWarden(exampleConfig(), [w])).toThrow(/name each action exactly, without wildcards/);
  });
});
