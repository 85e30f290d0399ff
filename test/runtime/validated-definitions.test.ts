import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bareRuntime, COUNTDOWN } from '../fixtures/engine';

/** The asl-validator the engine's runner calls (its own, not the one at the top of node_modules). */
const ENGINE_VALIDATOR = require.resolve('asl-validator', {
  paths: [require.resolve('aws-local-stepfunctions')],
});

/**
 * A definition asl-validator accepted is not validated again, in this process or another (jest
 * gives each test file a registry of its own, so a fresh registry stands for another process);
 * a definition it refused is refused every time.
 */
describe('definitions validated once', () => {
  const saved = process.env.WARDEN_SYNTH_CACHE;
  let folder: string;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'warden-validated-'));
    process.env.WARDEN_SYNTH_CACHE = folder;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.WARDEN_SYNTH_CACHE;
    else process.env.WARDEN_SYNTH_CACHE = saved;
    rmSync(folder, { recursive: true, force: true });
  });
  const markers = () => {
    try {
      return readdirSync(join(folder, 'valid-definitions'));
    } catch {
      return [];
    }
  };

  it('validates an accepted definition once, then registers it unvalidated in another registry', () => {
    // Arrange: count asl-validator's calls in a registry of their own
    let calls = 0;
    const registerIsolated = () =>
      jest.isolateModules(() => {
        jest.doMock(ENGINE_VALIDATOR, () => {
          const real = jest.requireActual(ENGINE_VALIDATOR);
          return (...args: unknown[]) => {
            calls += 1;
            return real(...args);
          };
        });
        const { bareRuntime: fresh } = require('../fixtures/engine') as typeof import('../fixtures/engine');
        fresh().register({ name: 'countdown', definition: COUNTDOWN as never });
        fresh().register({ name: 'countdown', definition: COUNTDOWN as never });
      });

    // Act
    registerIsolated();
    const afterFirst = calls;
    registerIsolated();

    // Assert
    expect(afterFirst).toBe(1);
    expect(calls).toBe(1);
    expect(markers()).toHaveLength(1);
  });

  it('refuses a definition asl-validator refused, every time, and remembers nothing for it', () => {
    const broken = { StartAt: 'Nowhere', States: { Done: { Type: 'Succeed' } } };

    for (let attempt = 0; attempt < 2; attempt++) {
      expect(() => bareRuntime().register({ name: 'broken', definition: broken as never })).toThrow();
    }
    expect(markers()).toEqual([]);
  });
});
