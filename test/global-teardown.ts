import type { ChildProcess } from 'node:child_process';
import { finishIamCoverage } from './iam-coverage-report';

export default async function globalTeardown(
  globalConfig: Parameters<typeof finishIamCoverage>[0],
): Promise<void> {
  const child = (globalThis as Record<string, unknown>).__MOTO__ as ChildProcess | undefined;
  child?.kill();
  finishIamCoverage(globalConfig);
}
