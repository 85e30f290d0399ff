import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mountConsole } from '../../../runtime/console';
import { demoMembers } from '../../../runtime/sandbox/demo-organization';
import { escapeHtml } from '../../../tasks/shared/escape-html';
import { makeFindingEvent } from '../../fixtures/findings';
import { eventIntakeConfig, type ServedWarden, startEventIntakeWarden } from '../../fixtures/served-warden';

/**
 * The console page as a person opens it, over HTTP from the running local Warden, after a finding
 * came in through the local EventBridge door and the response workflow ran as it runs in AWS.
 */
const [MEMBER] = demoMembers(1);
const FINDING_TYPE = 'Recon:EC2/PortProbeUnprotectedPort';
const IGNORED_TYPE = 'Discovery:S3/AnomalousBehavior';

describe('the console page of a running Warden', () => {
  let served: ServedWarden;
  let client: EventBridgeClient;
  let page: string;

  beforeAll(async () => {
    served = await startEventIntakeWarden(eventIntakeConfig(['eu-west-1']), [MEMBER!]);
    mountConsole(served.server, served.warden, { refreshSeconds: 0 });
    client = new EventBridgeClient({
      endpoint: served.server.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' },
      maxAttempts: 1,
    });
    const finding = makeFindingEvent({
      id: 'console-finding-1',
      accountId: MEMBER!.id,
      type: FINDING_TYPE,
      severity: 8,
    });
    // Ignored by policy: a decision record, no execution.
    const ignored = makeFindingEvent({
      id: 'console-ignored-1',
      accountId: MEMBER!.id,
      type: IGNORED_TYPE,
      severity: 2,
      actionType: 'AWS_API_CALL',
    });
    const out = await client.send(
      new PutEventsCommand({
        Entries: [finding, ignored].map((f) => ({
          Source: f.source,
          DetailType: f['detail-type'],
          Detail: JSON.stringify(f.detail),
        })),
      }),
    );
    expect(out.FailedEntryCount).toBe(0);
    await until(() => {
      const executions = served.warden.runtime.list();
      return executions.length > 0 && executions.every((x) => x.status !== 'RUNNING');
    });
    const response = await fetch(`${served.server.url}/console`);
    expect(response.status).toBe(200);
    page = await response.text();
  });

  afterAll(async () => {
    client?.destroy();
    await served?.stop();
  });

  it("lists the finding's execution with the finding type and the policy's decision", () => {
    const [execution] = served.warden.runtime.list();
    const name = execution!.name;
    const row = page.split('<tr>').find((r) => r.includes(`<code>${name}</code>`));

    expect(row).toContain(`${FINDING_TYPE} <span class="muted">severity 8</span>`);
    expect(row).toContain(
      '<span class="decision">BLOCK_AUTO</span> <span class="cell pending">dry run</span>',
    );
  });

  it("lists the ignored finding's decision record beside the executions", () => {
    const row = page.split('<tr>').find((r) => r.includes(IGNORED_TYPE));

    expect(served.warden.runtime.list()).toHaveLength(1);
    expect(row).toContain('<td>ignored</td>');
    expect(row).toContain('<span class="muted">decision record</span>');
    expect(row).toContain('RECORDED');
    expect(row).toContain('<span class="decision">IGNORE</span>');
  });

  it("shows the text of the finding's notification as an e-mail subscriber received it", () => {
    const sns = served.warden.world.services.sns;
    const [notification] = sns.deliveredTo(served.warden.topicArn, 'email');

    expect(notification!.Message).toContain(FINDING_TYPE);
    expect(page).toContain('<h2 id="notifications-title">Notifications</h2>');
    expect(page).toContain(`<pre class="text">${escapeHtml(notification!.Message)}</pre>`);
    expect(page).toContain(`<h3>${escapeHtml(notification!.Subject)}</h3>`);
  });
});

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the executions to finish');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
