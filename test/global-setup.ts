import { resetIamCoverage } from './iam-coverage-report';
import { MOTO_PORT, motoIsUp, startMoto } from './moto-server';

export default async function globalSetup(): Promise<void> {
  resetIamCoverage();
  if (process.env.WARDEN_SKIP_MOTO || (await motoIsUp())) return;
  const child = await startMoto(MOTO_PORT);
  (globalThis as Record<string, unknown>).__MOTO__ = child;
}
