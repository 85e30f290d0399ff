import { startSfnEndpoint } from '../../runtime/sfn-endpoint';
import { runCli } from '../fixtures/cli-run';
import { addEntryByHand, type ResponseHarness, startResponseHarness } from '../workflows/response/harness';

describe('warden reconcile', () => {
  let h: ResponseHarness | undefined;
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    await h?.stop();
    close = undefined;
    h = undefined;
  });

  it('runs the reconcile workflow through the endpoint and prints the drift it found', async () => {
    h = await startResponseHarness();
    await h.deliver({ type: 'Recon:EC2/PortProbeUnprotectedPort', severity: 8, remoteIp: '203.0.113.33' });
    await h.advance(61);
    const nacl = h.network.naclIds[0]!;
    addEntryByHand(h, { ruleNumber: 3, cidr: '192.0.2.3/32', action: 'deny' });
    const endpoint = await startSfnEndpoint(h.warden.runtime);
    close = endpoint.close;

    const run = await runCli(['reconcile', '--endpoint', endpoint.url]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 difference(s), 0 repaired');
    expect(run.stdout).toMatch(
      new RegExp(`${nacl}\\s+ENTRY_NOT_IN_LEDGER\\s+3\\s+192\\.0\\.2\\.3/32\\s+left alone`),
    );
  });

  it('says how to start Warden when the endpoint does not answer', async () => {
    const run = await runCli(['reconcile', '--endpoint', 'http://127.0.0.1:9']);

    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'warden: cannot reach the Step Functions endpoint; start Warden with npm start, or pass --region',
    );
  });

  it('refuses --endpoint notaurl as a usage error (exit 2) instead of throwing Invalid URL', async () => {
    const run = await runCli(['reconcile', '--endpoint', 'notaurl']);

    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'warden: --endpoint must be a URL such as http://127.0.0.1:4321, got notaurl',
    );
  });
});
