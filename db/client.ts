/**
 * The PostgreSQL client: one postgres.js pool, sized for serverless (small `max`, `idle_timeout`
 * set, `prepare: false` selectable for PgBouncer/Supavisor). The app uses one client per process
 * via `getDb()`; tests and scripts build their own with `createDbClient()` and close it. The
 * store runs every statement through `sql.unsafe` (lib/store/postgres/executor.ts); Drizzle is
 * the schema and migration tool only and is not loaded here (docs/decisions/0014).
 * Date and time values cross this client as the text PostgreSQL sends and takes, and JSON
 * parameters as their text, in both directions unchanged (see `keepTextValues`).
 *
 * postgres.js exposes no pool statistics (porsager/postgres #443), so we keep our own:
 * - in-flight work is counted in JS by instrumenting `unsafe` (the store's only query path) and
 *   `begin` (a transaction holds one connection until it settles); `waiting` is the part
 *   of that work beyond `max` connections, i.e. what must queue for a connection;
 * - open/idle connections are asked of the server (`pg_stat_activity`), filtered by an
 *   application_name unique to this client, so the figures are the server's truth rather than a
 *   guess about postgres.js internals. This costs one small query, made only by health().
 * The same instrumentation times each statement for the slow-query log (text only, no parameters),
 * and, on a request's view of the pool (`during(deadline)`), bounds each one by the request
 * deadline (lib/request-deadline.ts): a statement still queued
 * for a connection, connecting or running when the request's budget runs out is cancelled, and a
 * transaction whose connection comes after the deadline fails at once and rolls back. So work a
 * request gave up on does not hold a pool connection, whatever the pool or a row lock is doing.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { config } from '../lib/config.js';
import { logger } from '../lib/log.js';
import { deadlineExceeded, deadlinePassed, onDeadline, type Deadline } from '../lib/request-deadline.js';

export interface DbClientOptions {
  url: string;
  poolMax?: number;
  prepare?: boolean;
  idleTimeoutSeconds?: number;
  connectTimeoutSeconds?: number;
  statementTimeoutMs?: number;
  slowQueryMs?: number;
  /** Receives one line per slow statement; default: the structured logger at warn. */
  onSlowQuery?: (statement: string, durationMs: number) => void;
}

export interface PoolFigures {
  max: number;
  open: number;
  idle: number;
  waiting: number;
}

export interface DbClient {
  /** The instrumented pool: what the store and the tools run statements on (no deadline). */
  sql: postgres.Sql;
  /** The same pool, every statement (and transaction) bounded by `deadline`: one request's view. */
  during(deadline: Deadline): postgres.Sql;
  /** The application_name this client's connections carry. */
  applicationName: string;
  /** Pool figures; open/idle come from the server, so this makes one query (on `db`, default `sql`). */
  pool(db?: postgres.Sql): Promise<PoolFigures>;
  /** Ends all connections, waiting at most `timeoutSeconds` for running queries. */
  close(timeoutSeconds?: number): Promise<void>;
}

interface Counters {
  inFlight: number;
}

/** Times `work`; `holdsConnection` counts it as in-flight (false for statements inside a transaction). */
type Tracker = (statement: string, work: PromiseLike<unknown>, holdsConnection: boolean) => void;

function makeTracker(counters: Counters, slowMs: number, onSlow: (s: string, ms: number) => void): Tracker {
  return (statement, work, holdsConnection) => {
    const started = performance.now();
    if (holdsConnection) counters.inFlight += 1;
    const done = (): void => {
      if (holdsConnection) counters.inFlight -= 1;
      const ms = performance.now() - started;
      if (ms >= slowMs) onSlow(statement, Math.round(ms));
    };
    // Observing the promise does not handle it for the caller: the caller awaits the same query.
    work.then(done, done);
  };
}

/** The parts of a postgres.js Query (3.4.9, pinned) that cancelling depends on. */
interface CancellableQuery {
  cancel?: unknown;
  /** Set once the query was handed to a connection (written, or pipelined behind another). */
  state?: unknown;
  /** True while the server is executing it. */
  active?: unknown;
}

/**
 * Cancels a postgres.js query at the request deadline: one still waiting for a connection (or the
 * first of a connection still opening) is dropped before it reaches the server; one the server is
 * running gets a cancel request (PostgreSQL answers 57014). One already sent but queued behind
 * another statement on its connection (pipelined) is left alone: postgres.js would send the
 * cancel request when it starts, racing its completion, and a late cancel request cancels
 * whatever that backend runs next — another request's statement. It runs when the statement
 * ahead of it ends; the request has already answered. The patch makes cancel() handle its own
 * failure (it rejects when the server is unreachable).
 */
function cancelQuery(pending: PromiseLike<unknown>): void {
  const query = pending as CancellableQuery;
  if (query.state && !query.active) return;
  if (typeof query.cancel === 'function') (query.cancel as () => unknown).call(pending);
}

/**
 * Wraps a postgres.js Sql so `unsafe` (the store's only query path) and `begin` are tracked.
 * postgres.js queries start on the next tick after the first `then`, so observing them here does
 * not change when or how they run, and a `.values()` chained afterwards still applies.
 * Both are bounded by `deadline`, when there is one (see the module comment).
 */
function instrument(
  target: postgres.Sql,
  track: Tracker,
  inTransaction: boolean,
  deadline: Deadline | undefined,
): postgres.Sql {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (prop === 'unsafe' && typeof value === 'function') {
        return (query: string, ...rest: unknown[]) => {
          if (deadlinePassed(deadline)) throw deadlineExceeded(deadline);
          const pending = (value as (...a: unknown[]) => PromiseLike<unknown>).call(obj, query, ...rest);
          track(query, pending, !inTransaction);
          // The timer fires a millisecond or more from now, after the caller's `await` handed the
          // query to the pool: cancelling a query postgres.js has not seen yet would lose its slot.
          onDeadline(deadline, pending, () => cancelQuery(pending));
          return pending;
        };
      }
      if (prop === 'begin' && typeof value === 'function') {
        return (...args: unknown[]) => {
          if (deadlinePassed(deadline)) return Promise.reject(deadlineExceeded(deadline));
          const fn = args[args.length - 1] as (tx: postgres.Sql) => unknown;
          args[args.length - 1] = (tx: postgres.Sql) => {
            // The connection came after the request gave up: do nothing, roll back, release it.
            if (deadlinePassed(deadline)) throw deadlineExceeded(deadline);
            return fn(instrument(tx, track, true, deadline));
          };
          const pending = (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
          track('transaction', pending, true);
          return pending;
        };
      }
      return value;
    },
  });
}

function defaultSlowLog(statement: string, durationMs: number): void {
  logger.warn('slow query', { statement: statement.slice(0, 2000), durationMs });
}

/**
 * postgres.js waits 0.5–1 × min(3^attempts / 100, 20) s before reconnecting after failed attempts,
 * and a queued query waits with it: during an outage requests would hang for up to 20 s instead of
 * failing fast with 503. Same curve, capped at 1 s.
 */
function reconnectDelaySeconds(attempts: number): number {
  return (0.5 + Math.random() / 2) * Math.min(3 ** attempts / 100, 1);
}

/**
 * Session settings sent at connection start-up. Transaction poolers (PgBouncer, Supavisor — the
 * `prepare: false` deployments) refuse startup parameters they do not track, statement_timeout
 * among them ("unsupported startup parameter"), so there the timeout belongs on the role instead
 * (`ALTER ROLE app SET statement_timeout = '10s'`). application_name and TimeZone are tracked.
 */
function startupParameters(
  applicationName: string,
  prepare: boolean,
  statementTimeoutMs: number,
): Record<string, string> {
  const params: Record<string, string> = { application_name: applicationName, TimeZone: 'UTC' };
  if (prepare) params.statement_timeout = String(statementTimeoutMs);
  return params;
}

/** Types whose values stay text both ways: timestamptz, date, time, timestamp and the arrays date[], timestamptz[], timestamp[], numeric[]. */
const TEXT_TYPES = ['1184', '1082', '1083', '1114', '1182', '1185', '1115', '1231'];

/**
 * Date/time values are read and written as PostgreSQL's own text (the store turns them into ISO
 * strings, lib/store/postgres/rows.ts; parameters are ISO strings cast in SQL), and json/jsonb
 * parameters are sent as the JSON text the caller made (`JSON.stringify`), not serialized again.
 * These are the settings the store has always run with: Drizzle's postgres-js driver made them.
 */
function keepTextValues(sql: postgres.Sql): void {
  const same = (value: unknown): unknown => value;
  const { parsers, serializers } = sql.options as unknown as {
    parsers: Record<string, (v: unknown) => unknown>;
    serializers: Record<string, (v: unknown) => unknown>;
  };
  for (const type of TEXT_TYPES) {
    parsers[type] = same;
    serializers[type] = same;
  }
  serializers['114'] = same;
  serializers['3802'] = same;
}

/** Builds a new client; the caller owns it and must close() it. */
export function createDbClient(options: DbClientOptions): DbClient {
  const max = options.poolMax ?? 3;
  const applicationName = `threadbase-${process.pid}-${randomBytes(4).toString('hex')}`;
  const prepare = options.prepare ?? true;
  const raw = postgres(options.url, {
    max,
    idle_timeout: options.idleTimeoutSeconds ?? 20,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    prepare,
    backoff: reconnectDelaySeconds,
    onnotice: () => undefined,
    connection: startupParameters(applicationName, prepare, options.statementTimeoutMs ?? 10000),
  });
  keepTextValues(raw);
  const counters: Counters = { inFlight: 0 };
  const track = makeTracker(counters, options.slowQueryMs ?? 500, options.onSlowQuery ?? defaultSlowLog);
  const sql = instrument(raw, track, false, undefined);

  async function pool(db: postgres.Sql = sql): Promise<PoolFigures> {
    // Snapshot before our own query joins the count: the work already under way when asked.
    const busy = counters.inFlight;
    const rows = await db.unsafe<{ open: number; idle: number }[]>(
      `select count(*)::int as open, (count(*) filter (where state = 'idle'))::int as idle
       from pg_stat_activity where application_name = $1`,
      [applicationName],
    );
    const row = rows[0] ?? { open: 0, idle: 0 };
    return { max, open: row.open, idle: row.idle, waiting: Math.max(0, busy - max) };
  }

  return {
    sql,
    during: (deadline) => instrument(raw, track, false, deadline),
    applicationName,
    pool,
    close: (timeoutSeconds = 5) => raw.end({ timeout: timeoutSeconds }),
  };
}

let shared: DbClient | undefined;

/** The process-wide client built from config(); DATABASE_URL must be set. */
export function getDb(): DbClient {
  if (shared) return shared;
  const c = config();
  if (!c.databaseUrl) throw new Error('getDb() needs DATABASE_URL to be set.');
  shared = createDbClient({ url: c.databaseUrl, ...c.db });
  return shared;
}
