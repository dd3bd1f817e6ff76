/**
 * atomic-file: complete writes, fsync of file and directory, no temp files left behind (also
 * when a write fails), identities that change on every write, and clean-up of a dead writer's
 * temp files.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  CorruptFileError,
  readJsonFile,
  readSnapshot,
  removeDeadTempFiles,
  removeFileDurable,
  statIdentity,
  tempPathFor,
  writeJsonAtomic,
} from '../../lib/store/json/atomic-file.js';

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(tmpdir(), 'threadbase-atomic-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A pid that certainly belongs to no running process: one that has just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('writeJsonAtomic', () => {
  test('writes, overwrites and leaves only the target behind', async () => {
    const target = path.join(dir, 'users.json');
    await writeJsonAtomic(target, [{ a: 1 }]);
    await writeJsonAtomic(target, [{ a: 2 }, { b: 'x' }]);
    expect(await readJsonFile(target)).toEqual([{ a: 2 }, { b: 'x' }]);
    expect(await fs.readdir(dir)).toEqual(['users.json']);
  });

  test('fsyncs the file and then its directory', async () => {
    const probe = await fs.open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
    await probe.close();
    const sync = vi.spyOn(proto, 'sync');
    await writeJsonAtomic(path.join(dir, 'x.json'), { ok: true });
    // One fsync of the temp file before the rename, one of the directory after it.
    expect(sync).toHaveBeenCalledTimes(2);
  });

  test('a failed write removes its temp file and keeps the old content', async () => {
    const target = path.join(dir, 'usage.json');
    await writeJsonAtomic(target, [1]);
    const rename = vi.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('disk gone'), { code: 'EIO' }));
    await expect(writeJsonAtomic(target, [2])).rejects.toThrow('disk gone');
    expect(rename).toHaveBeenCalledOnce();
    expect(await readJsonFile(target)).toEqual([1]);
    expect(await fs.readdir(dir)).toEqual(['usage.json']);
  });

  test('refuses to write into a missing directory without leaving anything', async () => {
    await expect(writeJsonAtomic(path.join(dir, 'nope', 'x.json'), {})).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await fs.readdir(dir)).toEqual([]);
  });

  test('every write changes the file identity, even with identical content', async () => {
    const target = path.join(dir, 'a.json');
    await writeJsonAtomic(target, { same: true });
    const first = await statIdentity(target);
    await writeJsonAtomic(target, { same: true });
    const second = await readSnapshot(target);
    expect(first).not.toBeNull();
    expect(second?.identity).not.toBe(first);
    expect(await statIdentity(target)).toBe(second?.identity);
  });
});

describe('reading', () => {
  test('a missing file reads as null; corrupt JSON names the file', async () => {
    expect(await readJsonFile(path.join(dir, 'missing.json'))).toBeNull();
    await fs.writeFile(path.join(dir, 'bad.json'), '{"half":');
    const error = await readJsonFile(path.join(dir, 'bad.json')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptFileError);
    expect((error as Error).message).toContain('bad.json');
  });

  test('removeFileDurable reports whether the file existed', async () => {
    await writeJsonAtomic(path.join(dir, 'c.json'), {});
    expect(await removeFileDurable(path.join(dir, 'c.json'))).toBe(true);
    expect(await removeFileDurable(path.join(dir, 'c.json'))).toBe(false);
  });
});

describe('removeDeadTempFiles', () => {
  test("removes a dead writer's temp files and keeps a live writer's and real files", async () => {
    const live = tempPathFor(path.join(dir, 'users.json'));
    const dead = path.join(dir, `.users.json.${deadPid()}.abcdef.tmp`);
    await fs.writeFile(live, '[');
    await fs.writeFile(dead, '[{"trunc');
    await writeJsonAtomic(path.join(dir, 'users.json'), []);
    expect(await removeDeadTempFiles(dir)).toBe(1);
    expect((await fs.readdir(dir)).sort()).toEqual([path.basename(live), 'users.json'].sort());
  });
});
