import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LogEncryptionKey } from '../../infra/constructs/log-encryption-key';
import { NotificationTopic } from '../../infra/constructs/notification-topic';
import { WardenTableSet } from '../../infra/constructs/tables';
import { TaskFunction } from '../../infra/constructs/task-function';
import { deployedTask } from '../../infra/task-catalog';
import { ECHO_TASK_ENTRY, exampleConfig, TEST_APP_PROPS } from './helpers';

/**
 * The one infra test that runs esbuild for real: one small function, to prove that bundling works
 * and that the config is compiled into the bundle (including characters a shell would expand).
 */
describe('TaskFunction bundling', () => {
  const config = exampleConfig({
    response: {
      ...exampleConfig().response,
      policy: [{ name: 'costs $HOME `whoami` "quoted" \\ back', action: 'NOTIFY' }],
    },
  });
  const outdir = mkdtempSync(path.join(tmpdir(), 'warden-bundling-'));
  let bundle: string;

  beforeAll(() => {
    const app = new App({ ...TEST_APP_PROPS, outdir });
    const stack = new Stack(app, 'Bundling', { env: { account: '222222222222', region: 'eu-west-1' } });
    const tables = new WardenTableSet(stack, 'Tables');
    const topic = new NotificationTopic(stack, 'Topic');
    new TaskFunction(stack, 'Echo', {
      task: deployedTask({ id: 'Echo', entry: ECHO_TASK_ENTRY }),
      config,
      variables: {},
      logs: new LogEncryptionKey(stack, 'Logs'),
      resources: {
        tables: tables.tables,
        topic: topic.topic,
        memberRoleName: 'WardenMemberRole',
        organizationId: 'o-a1b2c3d4e5',
        managementAccountId: '111111111111',
        regions: ['eu-west-1'],
        stateMachines: [],
      },
    });
    const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    const assetHash = (fn.Properties.Code.S3Key as string).replace(/\.zip$/, '');
    bundle = path.join(outdir, `asset.${assetHash}`, 'index.js');
  }, 120_000);

  it('writes a minified CommonJS bundle without a source map, which no function would load', () => {
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(false);
  });

  it('compiles the config into the bundle instead of reading it from the environment', async () => {
    delete process.env.WARDEN_CONFIG;
    const { handler } = require(bundle) as { handler: () => Promise<{ config: string }> };
    const out = await handler();
    expect(JSON.parse(out.config)).toEqual(config);
  });
});
