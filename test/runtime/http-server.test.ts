import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ManualClock } from '../../runtime/clock';
import { SESSION_COOKIE, type WardenHttpServer } from '../../runtime/http-server';
import type { LocalWarden } from '../../runtime/local-warden';
import { exampleConfig, type ServedWarden, startServedWarden } from '../fixtures/served-warden';

// The server is what is under test here, not the workflows.
jest.mock('../../workflows/index', () => ({ WORKFLOWS: [] }));

const config = exampleConfig({ response: {}, approvals: { localApprovers: ['alice', 'bob'] } });
const APPROVAL_PATH = `/approvals/${'A'.repeat(43)}`;

describe('startHttpServer', () => {
  let served: ServedWarden;
  let warden: LocalWarden;
  let server: WardenHttpServer;

  beforeAll(async () => {
    served = await startServedWarden({ config, clock: new ManualClock(), members: [] });
    ({ warden, server } = served);
  });
  afterAll(() => served?.stop());

  const signIn = (name: string, next = '/', headers: Record<string, string> = {}) =>
    fetch(`${server.url}/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ name, next }).toString(),
    });

  it('points the approval links of tasks at itself', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(warden.deps.approvalBaseUrl).toBe(`${server.url}/approvals`);
  });

  it('lists only the configured approvers on the sign-in page', async () => {
    const response = await fetch(`${server.url}/sign-in`);

    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('<option value="alice">alice</option><option value="bob">bob</option>');
  });

  it('signs a configured approver in with an HttpOnly, SameSite=Strict session cookie', async () => {
    const response = await signIn('alice', APPROVAL_PATH);

    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(APPROVAL_PATH);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/`),
    );
  });

  it('refuses a name that is not in the config', async () => {
    const response = await signIn('mallory');

    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('never redirects off the site after sign-in', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/approvals/../../x']) {
      const response = await signIn('alice', next);

      expect(response.headers.get('location')).toBe('/');
    }
  });

  it('refuses a sign-in posted from another site', async () => {
    const response = await signIn('alice', '/', { origin: 'https://evil.example' });

    expect(response.status).toBe(403);
  });

  it('treats a decision without a session as signed out (401)', async () => {
    const response = await fetch(`${server.url}${APPROVAL_PATH}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=x',
    });

    expect(response.status).toBe(401);
  });

  it('serves the Step Functions API on the same port', async () => {
    const sfn = new SFNClient({
      endpoint: server.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    const attempt = sfn.send(
      new DescribeExecutionCommand({
        executionArn: 'arn:aws:states:eu-west-1:222222222222:execution:nothing:here',
      }),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    sfn.destroy();
  });

  it('lets more pages be added, tried before the built-in ones', async () => {
    server.addRoute({
      method: 'GET',
      path: '/',
      handle: async (r) => ({
        status: 200,
        headers: {},
        body: `console for ${r.identity?.name ?? 'nobody'}`,
      }),
    });

    const response = await fetch(`${server.url}/`);

    expect(await response.text()).toBe('console for nobody');
  });
});
