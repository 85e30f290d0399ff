import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRuntimeInfo } from '../../cli/audit/sources/runtime-info';
import type { FindingsViewResult } from '../../cli/findings/view';
import { parseConfig } from '../../config/load';
import { ManualClock } from '../../runtime/clock';
import { startHttpServer, type WardenHttpServer } from '../../runtime/http-server';
import { type LocalWarden, startLocalWarden } from '../../runtime/local-warden';
import { demoMembers } from '../../runtime/sandbox/demo-organization';
import { runScenario, type ScenarioResult } from '../../runtime/scenario/demo';
import exampleConfig from '../../warden.config.json';
import { runCli } from '../fixtures/cli-run';

/**
 * What `npm start` plays shows in `warden findings`: GuardDuty keeps each finding before it sends
 * its event, so the running Warden's administrator reads back every finding the scenario sent,
 * with what Warden did about each address.
 */
describe('warden findings after the local scenario', () => {
  let warden: LocalWarden;
  let server: WardenHttpServer;
  let dataDir: string;
  let scenario: ScenarioResult;

  beforeAll(async () => {
    const config = parseConfig({
      ...exampleConfig,
      response: { ...exampleConfig.response, mode: 'enforce' },
    });
    warden = await startLocalWarden({
      config,
      members: demoMembers(2),
      clock: new ManualClock(Date.parse('2026-05-01T08:00:00Z')),
      workflows: ['onboarding', 'response'],
    });
    server = await startHttpServer({ warden });
    warden.serveApprovalsAt(server.url);
    dataDir = mkdtempSync(join(tmpdir(), 'warden-scenario-findings-'));
    writeRuntimeInfo({ sfnEndpoint: server.url }, dataDir);
    scenario = await runScenario(warden, { log: () => undefined });
  });
  afterAll(async () => {
    await server.close();
    await warden.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts every finding the scenario sent, and shows the address Warden blocked', async () => {
    const run = await runCli(['findings', '--json', '--data-dir', dataDir]);

    expect(run.code).toBe(0);
    const view = JSON.parse(run.stdout) as FindingsViewResult;
    expect(view.total).toBe(scenario.findings.length);
    expect(view.unreadable.count).toBe(0);
    expect(view.topAttackers.find((a) => a.cidr === '203.0.113.9/32')).toMatchObject({ warden: 'BLOCKED' });
  });
});
