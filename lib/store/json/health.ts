/**
 * The JSON store's health check. It only looks: it never creates the data directory or meta.json
 * (a volume that failed to mount must be reported, not papered over by a fresh empty directory).
 * Unreadable storage or a foreign format throws (503); a store that reads but cannot be written
 * (disk full, read-only filesystem, no permission, directory missing) reports a `problem`, which
 * /api/health answers as 200 `status: "degraded"`: reads still work. A store that is read-only by
 * configuration (a Vercel preview without a database) has no problem to report.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isAppError, unavailable } from '../../errors.js';
import type { HealthReport } from '../types.js';
import { isNoEntry, tempPathFor } from './atomic-file.js';
import { checkMeta } from './data-dir.js';
import { refusalReason } from './file-faults.js';

const PROBE_BYTES = 4096;

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** Why a write to `dir` would fail now, or undefined when it would not. Leaves no file behind. */
async function writeProblem(dir: string): Promise<string | undefined> {
  const space = await fs.statfs(dir).catch(() => null);
  if (space !== null && space.bavail === 0) return 'The data directory (DATA_DIR) cannot be written: its disk is full.';
  const probe = tempPathFor(path.join(dir, 'health-probe'));
  try {
    const handle = await fs.open(probe, 'wx', 0o600);
    try {
      await handle.write(Buffer.alloc(PROBE_BYTES));
    } finally {
      await handle.close();
    }
    return undefined;
  } catch (error) {
    const reason = refusalReason(errno(error));
    if (reason === undefined) throw unavailable(error);
    return `The data directory (DATA_DIR) cannot be written: ${reason}.`;
  } finally {
    await fs.rm(probe, { force: true }).catch(() => undefined);
  }
}

async function findProblem(dir: string, readOnly: boolean): Promise<string | undefined> {
  try {
    await fs.readdir(dir);
  } catch (error) {
    if (!isNoEntry(error)) throw unavailable(error);
    // Read-only by configuration: an absent directory is an empty store, as it reads.
    if (readOnly) return undefined;
    return 'The data directory (DATA_DIR) does not exist: reads answer empty and the first write creates it. If it should be a mounted volume, the volume is not mounted.';
  }
  await checkMeta(dir);
  return readOnly ? undefined : writeProblem(dir);
}

export async function jsonHealth(dir: string, readOnly: boolean): Promise<HealthReport> {
  const started = performance.now();
  const problem = await findProblem(dir, readOnly).catch((error: unknown) => {
    throw isAppError(error) ? error : unavailable(error);
  });
  const latencyMs = Math.round((performance.now() - started) * 100) / 100;
  return {
    storage: 'json',
    latencyMs,
    ...(problem === undefined ? {} : { problem }),
    ...(readOnly ? { readOnly: true as const } : {}),
  };
}
