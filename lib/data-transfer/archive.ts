/**
 * `data:import --backup <archive>`: a tar.gz of the source directory, made with the system `tar`
 * before anything is imported. Written to a temporary name and renamed, so a half-written archive
 * never carries the final name.
 */
import { execFile } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../errors.js';

const run = promisify(execFile);

/** Archives `dir` to `archive` (tar.gz); returns the archive's absolute path. */
export async function archiveDirectory(dir: string, archive: string): Promise<string> {
  const target = resolve(archive);
  const partial = `${target}.partial-${process.pid}`;
  const source = resolve(dir);
  try {
    await run('tar', ['-czf', partial, '-C', dirname(source), basename(source)]);
    await rename(partial, target);
    return target;
  } catch (error) {
    await rm(partial, { force: true });
    throw new AppError(
      500,
      'internal',
      `Could not write the backup archive ${target}: ${(error as Error).message}. Check the path is writable and \`tar\` is installed; nothing was imported.`,
      { cause: error },
    );
  }
}
