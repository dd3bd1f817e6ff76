/**
 * data:export / data:import and what only format version 2 holds (parts, archived, replaced
 * messages, client-chosen ids): messages the current API writes with server-made ids export with
 * those ids and import back; a database or directory holding version-2-only data is refused with
 * a clear error, never exported or imported with that data silently dropped.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportDatabase } from '../../lib/data-transfer/export.js';
import { importDirectory } from '../../lib/data-transfer/import.js';
import { createJsonStore } from '../../lib/store/json/index.js';
import { createPostgresStore } from '../../lib/store/postgres/index.js';
import { newId } from '../../lib/conversations/ids.js';
import { makeConversation, makeMessage, makeUser, now } from '../helpers/factories.js';
import { useScratch } from './helpers.js';

const quiet = { start: () => undefined, tick: () => undefined, done: () => undefined };

describe('data tools and version-2 data', () => {
  const s = useScratch();

  it('exports messages written through the current store with their ids; refuses parts, archived and client ids', async () => {
    const store = createPostgresStore({ url: s.db.url, poolMax: 2 });
    try {
      const user = await makeUser(store);
      const conversation = await makeConversation(store, user.id);
      const message = await makeMessage(store, user.id, conversation.id, { id: newId() });
      const out = await s.dir('export');
      await exportDatabase(s.sql, s.db.url, out, quiet);
      const file = JSON.parse(
        await fs.readFile(path.join(out, 'conversations', `${conversation.id}.json`), 'utf8'),
      ) as { messages: { id: string }[] };
      expect(file.messages.map((m) => m.id)).toEqual([message.id]);

      await makeMessage(store, user.id, conversation.id, {
        id: 'client-1',
        parts: [{ type: 'text', text: 'x' }],
        content: 'x',
      });
      await expect(exportDatabase(s.sql, s.db.url, await s.dir('refused'), quiet)).rejects.toThrow(/cannot carry/);
    } finally {
      await store.close();
    }
  });

  it('imports a version-2 directory of version-1-shaped data; reports parts as invalid', async () => {
    const dir = await s.dir('json');
    const json = createJsonStore({ dataDir: dir });
    const user = await makeUser(json);
    const conversation = await makeConversation(json, user.id);
    await makeMessage(json, user.id, conversation.id, { id: newId(), createdAt: now() });
    await json.close();
    expect(JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8'))).toMatchObject({ version: 2 });
    expect((await importDirectory(s.sql, s.db.url, { dir, dryRun: true, progress: quiet })).status).not.toBe('invalid');

    const rich = createJsonStore({ dataDir: dir });
    await makeMessage(rich, user.id, conversation.id, {
      id: newId(),
      parts: [{ type: 'text', text: 'rich' }],
      content: 'rich',
    });
    await rich.close();
    expect((await importDirectory(s.sql, s.db.url, { dir, dryRun: true, progress: quiet })).status).toBe('invalid');
  });
});
