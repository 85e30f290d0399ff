import { createServer, type Server } from 'node:net';
import OpenHandleEnvironment from './open-handle-environment';

/**
 * The suite's environment fails a test file that leaves something keeping the process alive, and
 * names it: the worker's force-exit after a whole run says neither which file nor what.
 */
function environment(testPath: string): OpenHandleEnvironment {
  return new OpenHandleEnvironment(
    {
      globalConfig: {},
      projectConfig: { testEnvironmentOptions: { openHandleSettleMs: 200 }, globals: {}, fakeTimers: {} },
    } as never,
    { testPath, console, docblockPragmas: {} } as never,
  );
}

function listening(): Promise<Server> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('the open-handle environment', () => {
  it('fails a file that leaves a server listening, naming the file, the handle and its address', async () => {
    // Arrange
    const env = environment('/repo/test/leaky.test.ts');
    await env.setup();
    const server = await listening();
    const { port } = server.address() as { port: number };

    // Act
    const teardown = env.teardown();

    // Assert
    await expect(teardown).rejects.toThrow(
      new RegExp(`^/repo/test/leaky\\.test\\.ts left 1 × TCPServerWrap .*Server on .*"port":${port}`),
    );
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('passes a file that closed what it opened, even when the close finishes after its last test', async () => {
    // Arrange
    const env = environment('/repo/test/tidy.test.ts');
    await env.setup();
    const server = await listening();
    const timer = setTimeout(() => undefined, 60_000);

    // Act: the close is started, not awaited, as an afterAll that forgets to wait would
    clearTimeout(timer);
    server.close();

    // Assert
    await expect(env.teardown()).resolves.toBeUndefined();
  });

  it('does not count what was already open when the file started', async () => {
    // Arrange
    const before = await listening();
    const env = environment('/repo/test/after-a-leak.test.ts');
    await env.setup();

    // Act + Assert
    await expect(env.teardown()).resolves.toBeUndefined();
    await new Promise<void>((resolve) => before.close(() => resolve()));
  });
});
