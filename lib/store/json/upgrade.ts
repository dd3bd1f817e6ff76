/**
 * In-place upgrade of a version-1 data directory to version 2 (DESIGN.md), run by the store on
 * open, under the write lock. Crash-safe by construction — a kill at any point leaves a directory
 * that opens as version 1 or as version 2, never a mix:
 *   1. every conversations/<id>.json is rewritten in v2 shape into `.upgrade-v2/conversations/`
 *      (each file fsynced, then the folders): the live files are untouched, so this is still v1;
 *   2. `.upgrade-v2` is renamed to `.upgrade-v2-ready` (fsync of the data directory): the commit point;
 *   3. each staged file is renamed over its live one, then meta.json says version 2, then the
 *      staging folder is removed.
 * On open, a `.upgrade-v2-ready` folder means step 3 was interrupted: it is finished (roll
 * forward); a bare `.upgrade-v2` means step 1 was: it is removed and the upgrade starts again
 * (roll back). Collections (users.json, …) have the same shape in both versions.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  fsyncDir,
  isNoEntry,
  isTempName,
  parseJson,
  readJsonFile,
  writeJsonAtomic,
  type Fence,
} from './atomic-file.js';
import { FORMAT_NAME, FORMAT_VERSION, metaVersion, parseConversation } from './format.js';

const STAGING = '.upgrade-v2';
const READY = '.upgrade-v2-ready';

/** Named points between the steps; a test fixture may ask the upgrade to die there (never set in production). */
export type UpgradeCrashPoint = 'staged-one' | 'staged' | 'ready' | 'moved-one' | 'moved' | 'meta';

export interface UpgradeOptions {
  crashAt?: UpgradeCrashPoint;
  /** Checked before every commit (the write lock's fence): an upgrade that lost the lock stops. */
  fence?: Fence;
  log?: (message: string) => void;
}

function checkpoint(options: UpgradeOptions, point: UpgradeCrashPoint): void {
  if (options.crashAt === point) process.kill(process.pid, 'SIGKILL');
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    (error: unknown) => (isNoEntry(error) ? false : Promise.reject(error)),
  );
}

async function conversationFiles(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch((error: unknown) => (isNoEntry(error) ? [] : Promise.reject(error)));
  return names.filter((name) => name.endsWith('.json') && !isTempName(name)).sort();
}

/** Step 1: the v2 copies, staged next to the live files. */
async function stage(dir: string, conversationsDir: string, options: UpgradeOptions): Promise<void> {
  const staged = path.join(dir, STAGING, 'conversations');
  await fs.mkdir(staged, { recursive: true });
  let first = true;
  for (const name of await conversationFiles(conversationsDir)) {
    const file = path.join(conversationsDir, name);
    const conversation = parseConversation(file, parseJson(file, await fs.readFile(file, 'utf8')));
    await writeJsonAtomic(path.join(staged, name), conversation);
    if (first) checkpoint(options, 'staged-one');
    first = false;
  }
  await fsyncDir(staged);
  await fsyncDir(path.join(dir, STAGING));
  checkpoint(options, 'staged');
}

/** Step 3: move the staged files in, then flip meta.json, then clean up. Idempotent. */
async function finish(dir: string, conversationsDir: string, options: UpgradeOptions): Promise<void> {
  const ready = path.join(dir, READY, 'conversations');
  await fs.mkdir(conversationsDir, { recursive: true });
  let first = true;
  for (const name of await conversationFiles(ready)) {
    await options.fence?.();
    await fs.rename(path.join(ready, name), path.join(conversationsDir, name));
    if (first) checkpoint(options, 'moved-one');
    first = false;
  }
  await fsyncDir(conversationsDir);
  checkpoint(options, 'moved');
  await writeJsonAtomic(path.join(dir, 'meta.json'), { format: FORMAT_NAME, version: FORMAT_VERSION }, options.fence);
  checkpoint(options, 'meta');
  await fs.rm(path.join(dir, READY), { recursive: true, force: true });
  await fsyncDir(dir);
}

/** Cheap check before taking the lock: a version-1 directory or an interrupted upgrade. */
export async function needsUpgrade(dir: string): Promise<boolean> {
  if (await exists(path.join(dir, READY))) return true;
  return metaVersion(await readJsonFile(path.join(dir, 'meta.json'))) < FORMAT_VERSION;
}

/**
 * Brings the directory to version 2 (finishing or undoing an interrupted upgrade first). Call
 * under the write lock. Returns true when it upgraded (or finished upgrading) something.
 */
export async function upgradeInPlace(
  dir: string,
  conversationsDir: string,
  options: UpgradeOptions = {},
): Promise<boolean> {
  if (await exists(path.join(dir, READY))) {
    await finish(dir, conversationsDir, options);
    options.log?.('finished an interrupted upgrade of the data directory to format version 2');
    return true;
  }
  await fs.rm(path.join(dir, STAGING), { recursive: true, force: true });
  if (metaVersion(await readJsonFile(path.join(dir, 'meta.json'))) >= FORMAT_VERSION) return false;
  await stage(dir, conversationsDir, options);
  await options.fence?.();
  await fs.rename(path.join(dir, STAGING), path.join(dir, READY));
  await fsyncDir(dir);
  checkpoint(options, 'ready');
  await finish(dir, conversationsDir, options);
  options.log?.('upgraded the data directory in place from format version 1 to 2');
  return true;
}
