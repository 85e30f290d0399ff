import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  APPROVAL_ROUTE_KEYS,
  exampleConfig,
  fakeTask,
  fakeWorkflow,
  nagViolations,
  synthWarden,
} from './helpers';

/** Config choices that change the security stack, each synthesized once, without the real workflows. */

describe('approval API with an external OIDC issuer', () => {
  let template: Template;
  let security: Stack;
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
    security = synthWarden(config, []).security;
    template = Template.fromStack(security);
  });

  /** The approval function's environment: the only function with a session secret. */
  function approvalPageEnvironment(): Record<string, unknown> {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (f) => f.Properties.Environment?.Variables?.SESSION_SECRET_ARN !== undefined,
    );
    return fn.Properties.Environment.Variables;
  }

  it('signs approvers in at the configured issuer, as the client named by the first audience', () => {
    const env = approvalPageEnvironment();

    expect(env.SIGN_IN_ISSUER).toBe('https://login.example.com/oauth2');
    expect(env.SIGN_IN_CLIENT_ID).toBe('warden-approvals');
    expect(JSON.stringify(env.SIGN_IN_CALLBACK_URL)).toMatch(/\/auth\/callback"\]\]\}$/);
  });

  it("leaves the endpoints to the issuer's discovery document", () => {
    const env = approvalPageEnvironment();

    expect(env.SIGN_IN_AUTHORIZATION_ENDPOINT).toBeUndefined();
    expect(env.SIGN_IN_TOKEN_ENDPOINT).toBeUndefined();
    expect(env.SIGN_IN_JWKS_URI).toBeUndefined();
  });

  it('creates no user pool and no API Gateway authorizer', () => {
    expect(Object.keys(template.findResources('AWS::Cognito::UserPool'))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'))).toEqual([]);
  });

  it('routes the approval page and both sign-in routes, all to the function that authenticates', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(APPROVAL_ROUTE_KEYS);
  });

  it('stays cdk-nag clean', () => {
    expect(nagViolations(security)).toEqual([]);
  });

  it('outputs the callback URL to register at the issuer', () => {
    const outputs = template.findOutputs('ApprovalSignInCallbackUrl');
    expect(JSON.stringify(Object.values(outputs)[0]!.Value)).toMatch(/\/auth\/callback"\]\]\}$/);
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
  const workflows = [
    fakeWorkflow('alpha', [fakeTask('AlphaFirst', { tables: { findings: 'read' } })]),
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
      [
        'AlphaFirst',
        'ApprovalPage',
        'ArchiveExecution',
        'BetaOnly',
        'IntakeFinding',
        'RecordOrganizationEvent',
      ]
        .map((id) => `WardenTask-${id}`)
        .sort(),
    );
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const alphaFirst = machines.map((m) => m.Properties.DefinitionSubstitutions.AlphaFirst);
    expect(alphaFirst[0]).toEqual(alphaFirst[1]);
  });

  it('refuses a task whose entry file does not exist, naming the task and the file', () => {
    const missing = fakeWorkflow('alpha', [
      fakeTask('NotWrittenYet', { publish: true }, '/nonexistent/tasks/not-written-yet.ts'),
    ]);
    expect(() => synthWarden(exampleConfig(), [missing])).toThrow(
      /task NotWrittenYet names .*nonexistent\/tasks\/not-written-yet\.ts, which does not exist/,
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

describe('state machines traced with X-Ray (observability.tracing)', () => {
  let security: Stack;
  let template: Template;
  beforeAll(() => {
    const config = exampleConfig({ observability: { tracing: true } });
    security = synthWarden(config, [fakeWorkflow('traced', [fakeTask('TracedTask')])]).security;
    template = Template.fromStack(security);
  });

  it('turns on tracing and lets each state machine send its traces', () => {
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(machines.length).toBeGreaterThan(0);
    for (const machine of machines)
      expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
    const actions = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(actions).toContain('xray:PutTraceSegments');
  });

  it('stays cdk-nag clean', () => {
    expect(nagViolations(security)).toEqual([]);
  });
});
