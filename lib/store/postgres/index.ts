/**
 * The PostgreSQL Store: hand-written SQL over one postgres.js pool (db/client.ts; the schema is
 * db/schema.ts, docs/decisions/0014). Each method is a thin call into the
 * module that owns its tables, run through `guard` so every failure leaves as an AppError
 * (lib/store/postgres/errors.ts). Multi-statement writes run in one transaction inside their module.
 */
import { createDbClient, type DbClient, type DbClientOptions } from '../../../db/client.js';
import type { Store } from '../types.js';
import * as conversations from './conversations.js';
import * as credentials from './credentials.js';
import type { Deadline } from '../../request-deadline.js';
import { guard as guarded } from './errors.js';
import type { Db } from './executor.js';
import { health } from './health.js';
import * as login from './login-throttle.js';
import { replaceMessages } from './message-list.js';
import * as messages from './messages.js';
import { searchMessages } from './search.js';
import * as usage from './usage.js';
import * as users from './users.js';

export type PostgresStoreOptions = Omit<DbClientOptions, 'onSlowQuery'>;

/** A Store over a client it owns (closed by close()). */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  return storeOnClient(createDbClient(options));
}

/** A Store over an existing client, e.g. the process-wide one from getDb(). */
export function storeOnClient(client: DbClient): Store {
  return storeOn(client, client.sql, undefined);
}

/**
 * The Store's methods on `db` (the client's pool, or one request's view of it), every operation
 * guarded and, with a `deadline`, bounded by it. `forRequest` gives a request's store.
 */
function storeOn(client: DbClient, db: Db, deadline: Deadline | undefined): Store {
  const guard = <T>(operation: () => Promise<T>): Promise<T> => guarded(operation, deadline);
  return {
    kind: 'postgres',
    forRequest: (next) => storeOn(client, client.during(next), next),
    createUser: (user, session) => guard(() => users.createUser(db, user, session)),
    getUserById: (id) => guard(() => users.getUserById(db, id)),
    findUserByEmail: (email) => guard(() => users.findUserByEmail(db, email)),
    findUserByUsername: (username) => guard(() => users.findUserByUsername(db, username)),
    findUserByLogin: (login) => guard(() => users.findUserByLogin(db, login)),
    recordLogin: (userId, at) => guard(() => users.recordLogin(db, userId, at)),

    createSession: (session) => guard(() => credentials.createSession(db, session)),
    revokeSession: (userId, id) => guard(() => credentials.revokeSession(db, userId, id)),
    createApiToken: (token) => guard(() => credentials.createApiToken(db, token)),
    listApiTokens: (userId) => guard(() => credentials.listApiTokens(db, userId)),
    revokeApiToken: (userId, id) => guard(() => credentials.revokeApiToken(db, userId, id)),
    findCredential: (hash, now) => guard(() => credentials.findCredential(db, hash, now)),
    touchCredential: (kind, id, at, minMs) => guard(() => credentials.touchCredential(db, kind, id, at, minMs)),

    createConversation: (c, idem) => guard(() => conversations.createConversation(db, c, idem)),
    getConversation: (userId, id) => guard(() => conversations.getConversation(db, userId, id)),
    listConversations: (userId, page, filter) => guard(() => conversations.listConversations(db, userId, page, filter)),
    updateConversation: (userId, id, changes, at) =>
      guard(() => conversations.updateConversation(db, userId, id, changes, at)),
    deleteConversation: (userId, id) => guard(() => conversations.deleteConversation(db, userId, id)),
    appendMessage: (userId, message, options) => guard(() => messages.appendMessage(db, userId, message, options)),
    putMessage: (userId, message, options) => guard(() => messages.putMessage(db, userId, message, options)),
    deleteMessage: (userId, id, messageId, at) => guard(() => messages.deleteMessage(db, userId, id, messageId, at)),
    deleteMessagesAfter: (userId, id, messageId, at) =>
      guard(() => messages.deleteMessagesAfter(db, userId, id, messageId, at)),
    replaceMessages: (userId, id, list, options) => guard(() => replaceMessages(db, userId, id, list, options)),
    listMessages: (userId, id, page) => guard(() => messages.listMessages(db, userId, id, page)),

    searchMessages: (query, page) => guard(() => searchMessages(db, query, page)),

    getUsage: (userId, now) => guard(() => usage.getUsage(db, userId, now)),
    consumeUsage: (userId, limits, now) => guard(() => usage.consumeUsage(db, userId, limits, now)),
    setTier: (userId, tier) => guard(() => usage.setTier(db, userId, tier)),

    getLoginLock: (key, now) => guard(() => login.getLoginLock(db, key, now)),
    recordLoginFailure: (key, now, policy) => guard(() => login.recordLoginFailure(db, key, now, policy)),
    clearLoginFailures: (key) => guard(() => login.clearLoginFailures(db, key)),

    health: () => guard(() => health(client, db)),
    close: () => client.close(5),
  };
}
