/**
 * The older figure, kept for comparison: a built function started by @vercel/node's own dev
 * launcher (`vercel dev`'s, scripts/vercel-output/functions.ts), which imports @vercel/node itself
 * (ts-morph, esbuild, undici…) before the handler. That import is the launcher's, not the
 * function's: on the platform Vercel's runtime launches the function instead.
 */
import { startFunction, type OutputFunction } from '../../scripts/vercel-output/functions.js';
import { getOnce, type ColdRequest } from './cold-process.js';

export interface DevLauncherSample {
  total: number;
  /** Spawn → the launcher listening (it has imported @vercel/node and the handler). */
  up: number;
}

export async function devLauncherStart(
  fn: OutputFunction,
  env: NodeJS.ProcessEnv,
  req: ColdRequest,
): Promise<DevLauncherSample> {
  const started = performance.now();
  const proc = await startFunction(fn, { env });
  try {
    const res = await getOnce(`${proc.url}${req.path}`, req.headers);
    const total = performance.now() - started;
    if (res.status !== 200) throw new Error(`${req.path} answered ${res.status} through the dev launcher: ${res.body}`);
    return { total, up: proc.startMs };
  } finally {
    await proc.stop();
  }
}
