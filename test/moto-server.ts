import { type ChildProcess, spawn } from 'node:child_process';

/**
 * The moto server the integration tests talk to. `.ci/run` starts one on MOTO_PORT; when none
 * answers, jest's global setup starts its own and stops it at the end.
 */
export const MOTO_PORT = Number(process.env.MOTO_PORT ?? 5055);
export const MOTO_URL = `http://127.0.0.1:${MOTO_PORT}`;

export async function motoIsUp(url = MOTO_URL): Promise<boolean> {
  try {
    const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    return res.status < 500;
  } catch {
    return false;
  }
}

export async function startMoto(port = MOTO_PORT): Promise<ChildProcess> {
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
    detached: false,
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await motoIsUp(`http://127.0.0.1:${port}`)) return child;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`moto did not start on 127.0.0.1:${port} (is moto installed for python3?)`);
}
