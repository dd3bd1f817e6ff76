/**
 * The JSON-file Store: DESIGN.md's on-disk format version 1 in a data directory, safe for
 * several processes on one directory (lock file + atomic, fsynced writes). The fallback when
 * DATABASE_URL is not set; on a read-only filesystem (or with `readOnly`) writes are refused
 * with a configuration error rather than silently lost.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { unavailable } from '../../errors.js';
import type { HealthReport, Store } from '../types.js';
import { createCatalog } from './catalog.js';
import * as collections from './collections.js';
import * as conversations from './conversations.js';
import { openDataDir, type DataDir } from './data-dir.js';
import { searchMessages } from './search.js';
import * as usage from './usage-rules.js';

export interface JsonStoreOptions {
  dataDir: string;
  readOnly?: boolean;
}

/**
 * meta.json readable → ok. A store that refuses writes over a missing or uninitialised directory
 * is an empty store, readable (a Vercel deployment without DATABASE_URL: the bundle has no data
 * directory) → ok with `readOnly`. A writable store has created meta.json, so a missing one means
 * the directory went away → unavailable.
 */
async function health(data: DataDir): Promise<HealthReport> {
  const started = performance.now();
  try {
    await fs.readFile(path.join(data.dir, 'meta.json'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' || data.acceptsWrites()) throw unavailable(error);
  }
  return {
    storage: 'json',
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
    ...(data.acceptsWrites() ? {} : { readOnly: true }),
  };
}

export function createJsonStore(options: JsonStoreOptions): Store {
  const data = openDataDir(options);
  const files: conversations.ConversationFiles = { data, catalog: createCatalog(data.conversationsDir) };

  return {
    kind: 'json',
    createUser: (user, session) => collections.createUser(data, user, session),
    getUserById: (id) => collections.getUserById(data, id),
    findUserByEmail: (email) => collections.findUser(data, 'email', email),
    findUserByUsername: (username) => collections.findUser(data, 'username', username),
    findUserByLogin: (login) => collections.findUser(data, 'login', login),
    recordLogin: (userId, at) => collections.recordLogin(data, userId, at),

    createSession: (session) => collections.createSession(data, session),
    revokeSession: (userId, id) => collections.revokeSession(data, userId, id),
    createApiToken: (token) => collections.createApiToken(data, token),
    listApiTokens: (userId) => collections.listApiTokens(data, userId),
    revokeApiToken: (userId, id) => collections.revokeApiToken(data, userId, id),
    findCredential: (tokenHash, now) => collections.findCredential(data, tokenHash, now),
    touchCredential: (kind, id, at, minIntervalMs) => collections.touchCredential(data, kind, id, at, minIntervalMs),

    createConversation: (conversation, idempotency) => conversations.createConversation(files, conversation, idempotency),
    getConversation: (userId, id) => conversations.getConversation(files, userId, id),
    listConversations: (userId, page) => conversations.listConversations(files, userId, page),
    renameConversation: (userId, id, title, at) => conversations.renameConversation(files, userId, id, title, at),
    deleteConversation: (userId, id) => conversations.deleteConversation(files, userId, id),
    appendMessage: (userId, message, opts) => conversations.appendMessage(files, userId, message, opts),
    listMessages: (userId, conversationId, page) => conversations.listMessages(files, userId, conversationId, page),

    searchMessages: (query, page) => searchMessages(files, query, page),

    getUsage: (userId, now) => usage.getUsage(data, userId, now),
    consumeUsage: (userId, limits, now) => usage.consumeUsage(data, userId, limits, now),
    setTier: (userId, tier) => usage.setTier(data, userId, tier),

    getLoginLock: (loginKey, now) => collections.getLoginLock(data, loginKey, now),
    recordLoginFailure: (loginKey, now, policy) => collections.recordLoginFailure(data, loginKey, now, policy),
    clearLoginFailures: (loginKey) => collections.clearLoginFailures(data, loginKey),

    health: () => data.read(() => health(data)),
    // No handle stays open between calls; closing only waits for queued writes to finish.
    close: () => data.drain(),
  };
}
