import { parseConfig } from '../../../config/load';
import { type EnvironmentSchema, taskEnvironment } from '../../../tasks/shared/environment';
import { bundledConfig, EnvironmentError, taskDepsFromEnvironment } from '../../../tasks/shared/lambda';
import { checkManifest, ManifestError } from '../../../tasks/shared/task';
import exampleConfigJson from '../../../warden.config.json';

const config = parseConfig(exampleConfigJson, 'example config');
const TOPIC = 'arn:aws:sns:eu-west-1:222222222222:warden';
const MACHINES = { onboarding: 'arn:aws:states:eu-west-1:222222222222:stateMachine:warden-onboarding' };

function manifest(
  environment: EnvironmentSchema = taskEnvironment('LEDGER_TABLE', 'TOPIC_ARN', 'STATE_MACHINE_ARNS'),
) {
  return { id: 'Example', environment };
}

describe('taskDepsFromEnvironment', () => {
  it('builds the dependencies from the variables the manifest declares', () => {
    const deps = taskDepsFromEnvironment(
      manifest(),
      { LEDGER_TABLE: 'warden-ledger', TOPIC_ARN: TOPIC, STATE_MACHINE_ARNS: JSON.stringify(MACHINES) },
      { config },
    );
    expect(deps.tables.ledger).toBe('warden-ledger');
    expect(deps.topicArn).toBe(TOPIC);
    expect(deps.stateMachineArns).toEqual(MACHINES);
    expect(deps.config).toBe(config);
  });

  it('fails naming the variable when a task reads one its manifest does not declare', () => {
    const deps = taskDepsFromEnvironment(
      manifest(taskEnvironment('TOPIC_ARN')),
      // Present in the process, but not declared: a deployed function would not have it.
      { TOPIC_ARN: TOPIC, LEDGER_TABLE: 'warden-ledger' },
      { config },
    );
    expect(() => deps.tables.ledger).toThrow(EnvironmentError);
    expect(() => deps.tables.ledger).toThrow(
      'Example reads LEDGER_TABLE, which its manifest does not declare, so its function does not get it',
    );
    expect(() => deps.findingsExport).toThrow(/FINDINGS_BUCKET_ARN, which its manifest does not declare/);
  });

  it('fails at cold start naming each missing or invalid declared variable', () => {
    expect(() =>
      taskDepsFromEnvironment(
        manifest(),
        { LEDGER_TABLE: 'warden-ledger', TOPIC_ARN: 'not-an-arn' },
        { config },
      ),
    ).toThrow(
      /Example's Lambda environment is invalid:\nTOPIC_ARN: must be an ARN of sns\nSTATE_MACHINE_ARNS: /,
    );
  });

  it('refuses STATE_MACHINE_ARNS that do not map names to state machine ARNs', () => {
    const deps = taskDepsFromEnvironment(
      manifest(taskEnvironment('STATE_MACHINE_ARNS')),
      { STATE_MACHINE_ARNS: '{"onboarding":"warden-onboarding"}' },
      { config },
    );
    expect(() => deps.stateMachineArns).toThrow(/must map workflow names to state machine ARNs/);
  });
});

describe('bundledConfig', () => {
  afterEach(() => {
    delete process.env.WARDEN_CONFIG;
  });

  it('fails when no config was compiled in', () => {
    delete process.env.WARDEN_CONFIG;
    expect(() => bundledConfig()).toThrow(
      new EnvironmentError('WARDEN_CONFIG was not compiled into this bundle'),
    );
  });

  it('refuses a config that configDefine did not validate and compile in', () => {
    process.env.WARDEN_CONFIG = JSON.stringify(exampleConfigJson);
    expect(() => bundledConfig()).toThrow(EnvironmentError);
    expect(() => bundledConfig()).toThrow(/^WARDEN_CONFIG is not a config compiled by configDefine/);
  });
});

describe('checkManifest', () => {
  it('refuses needs on a table whose name the environment does not carry', () => {
    expect(() =>
      checkManifest({
        id: 'WritesLedger',
        entry: __filename,
        environment: taskEnvironment('TOPIC_ARN'),
        needs: { tables: { ledger: 'write' }, publish: true },
      }),
    ).toThrow(
      new ManifestError('WritesLedger needs LEDGER_TABLE in its environment to find what its needs grant'),
    );
  });

  it('refuses member actions without the member role', () => {
    expect(() =>
      checkManifest({
        id: 'Member',
        entry: __filename,
        needs: { memberActions: ['ec2:DescribeNetworkAcls'] },
      }),
    ).toThrow('Member declares memberActions without assumeMemberRole');
  });

  it('refuses an id that is not PascalCase', () => {
    expect(() => checkManifest({ id: 'not-pascal', entry: __filename })).toThrow(
      'task id must be PascalCase letters and digits, got not-pascal',
    );
  });
});
