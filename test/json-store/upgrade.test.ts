/**
 * The in-place upgrade of a version-1 data directory to version 2 (lib/store/json/upgrade.ts):
 * a child process is SIGKILLed at each point between the upgrade's steps; before the commit
 * point the directory is still byte-for-byte version 1, and at every point the next open finishes
 * (or redoes) the upgrade and reads back exactly the version-1 data in version-2 shape.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { createJsonStore } from '../../lib/store/json/index.js';
import type { UpgradeCrashPoint } from '../../lib/store/json/upgrade.js';
import type { JsonObject, MessageRecord } from '../../lib/store/types.js';
import { tempDataDir } from '../helpers/backends.js';
import { FAKE_PASSWORD_HASH } from '../helpers/factories.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const userId = randomUUID();
const t = (minute: number) => `2026-11-20T10:${String(minute).padStart(2, '0')}:00.000Z`;

interface V1Message {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  metadata: JsonObject;
  createdAt: string;
}
const conversations = Array.from({ length: 4 }, (_, i) => ({
  id: randomUUID(),
  userId,
  title: `v1 conversation ${i}`,
  createdAt: t(i),
  updatedAt: t(i + 10),
  messages: Array.from({ length: 3 }, (_, j): V1Message => ({
    id: randomUUID(),
    role: j % 2 === 0 ? 'user' : 'assistant',
    content: `message ${i}.${j}`,
    metadata: j === 1 ? { model: 'm', n: [1, { deep: true }] } : {},
    createdAt: t(i + j + 1),
  })),
}));

async function writeV1(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'conversations'), { recursive: true });
  await fs.writeFile(path.join(dir, 'meta.json'), JSON.stringify({ format: 'threadbase', version: 1 }));
  const user = {
    id: userId,
    email: 'v1@example.test',
    username: 'v1_user',
    displayName: 'V1',
    passwordHash: FAKE_PASSWORD_HASH,
    createdAt: t(0),
    updatedAt: t(0),
    lastLoginAt: null,
  };
  await fs.writeFile(path.join(dir, 'users.json'), JSON.stringify([user]));
  for (const c of conversations) await fs.writeFile(path.join(dir, 'conversations', `${c.id}.json`), JSON.stringify(c));
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await fs.readdir(dir, { recursive: true })) {
    const file = path.join(dir, name);
    if ((await fs.stat(file)).isFile() && !name.startsWith('.lock')) out[name] = await fs.readFile(file, 'utf8');
  }
  return out;
}

const expectedMessages = (c: (typeof conversations)[number]): MessageRecord[] =>
  c.messages.map((m) => ({ ...m, conversationId: c.id, parts: null, updatedAt: m.createdAt }));

/** Opens the directory with a fresh store and checks it is version 2 holding exactly the v1 data. */
async function expectUpgraded(dir: string): Promise<void> {
  const store = createJsonStore({ dataDir: dir });
  try {
    const listed = await store.listConversations(userId, { limit: 100 });
    expect(listed.items.map((c) => c.id).sort()).toEqual(conversations.map((c) => c.id).sort());
    for (const c of conversations) {
      expect(await store.getConversation(userId, c.id)).toEqual({
        id: c.id,
        userId,
        title: c.title,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
        messageCount: 3,
        archived: false,
      });
      const page = await store.listMessages(userId, c.id, { limit: 100 });
      expect(page!.items.map(({ seq: _s, ...m }) => m)).toEqual(expectedMessages(c));
    }
  } finally {
    await store.close();
  }
  expect(JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8'))).toEqual({
    format: 'threadbase',
    version: 2,
  });
  expect((await fs.readdir(dir)).filter((n) => n.startsWith('.upgrade'))).toEqual([]);
  for (const c of conversations) {
    const file = JSON.parse(await fs.readFile(path.join(dir, 'conversations', `${c.id}.json`), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(file).toMatchObject({ archived: false, lastSeq: 3 });
    expect((file.messages as Record<string, unknown>[]).map((m) => [m.seq, m.parts, m.updatedAt])).toEqual(
      c.messages.map((m, i) => [i + 1, null, m.createdAt]),
    );
  }
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

describe('v1 → v2 upgrade in place', () => {
  test('an uninterrupted open upgrades and keeps every record', async () => {
    const dir = await tempDataDir();
    dirs.push(dir);
    await writeV1(dir);
    await expectUpgraded(dir);
  });

  const beforeCommit: UpgradeCrashPoint[] = ['staged-one', 'staged'];
  const afterCommit: UpgradeCrashPoint[] = ['ready', 'moved-one', 'moved', 'meta'];
  test.each([...beforeCommit, ...afterCommit])('killed at %s: opens as v1 or v2, never a mix', async (point) => {
    const dir = await tempDataDir();
    dirs.push(dir);
    await writeV1(dir);
    const original = await snapshot(dir);
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(FIXTURES, 'upgrade-child.ts'), dir, point],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const onDisk = await snapshot(dir);
    const live = Object.fromEntries(Object.entries(onDisk).filter(([name]) => !name.startsWith('.upgrade')));
    if (beforeCommit.includes(point)) {
      // Before the commit point nothing live has changed: any build still reads it as version 1.
      expect(live).toEqual(original);
    } else {
      // After it, the committed staging folder is there for the next open to finish.
      expect(await fs.readdir(dir)).toContain('.upgrade-v2-ready');
    }
    await expectUpgraded(dir);
  });
});
