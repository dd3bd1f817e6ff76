/**
 * data:backup: a timestamped export into a backups directory, with retention. The export is
 * written under a hidden partial name and renamed when complete (manifest.json written), so a
 * backup directory that carries the final name is always whole; retention counts only those.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exportDatabase, type ExportManifest } from './export.js';
import type { Sql } from './db.js';
import type { Progress } from './progress.js';

const BACKUP_NAME = /^threadbase-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

export interface BackupResult {
  path: string;
  manifest: ExportManifest;
  removed: string[];
  kept: string[];
}

/** `threadbase-2026-11-24T13-55-07-565Z`: sorts by time, safe on every filesystem. */
export const backupName = (at: Date): string => `threadbase-${at.toISOString().replace(/[:.]/g, '-')}`;

/** Deletes all but the newest `keep` complete backups in `dir`; returns the removed names. */
export async function applyRetention(dir: string, keep: number): Promise<{ removed: string[]; kept: string[] }> {
  const names = (await readdir(dir))
    .filter((n) => BACKUP_NAME.test(n))
    .sort()
    .reverse();
  const removed = names.slice(keep);
  for (const name of removed) await rm(join(dir, name), { recursive: true, force: true });
  return { removed, kept: names.slice(0, keep) };
}

/** Exports the database into a new timestamped directory under `dir`, then applies retention. */
export async function backupDatabase(
  sql: Sql,
  url: string,
  dir: string,
  keep: number,
  progress: Progress,
): Promise<BackupResult> {
  await mkdir(dir, { recursive: true });
  const name = backupName(new Date());
  const partial = join(dir, `.partial-${name}-${process.pid}`);
  try {
    const manifest = await exportDatabase(sql, url, partial, progress);
    await rename(partial, join(dir, name));
    const retention = await applyRetention(dir, keep);
    return { path: join(dir, name), manifest, ...retention };
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}
