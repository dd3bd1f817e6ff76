/**
 * What the store's statements run against: the client's pool (`DbClient.sql`) or a transaction
 * on it. Every statement of the store is static SQL text with positional parameters, run by
 * `rows()` through postgres.js `unsafe` — the one query path db/client.ts instruments (timing,
 * the pool figures, cancellation at the request deadline). Functions taking an Executor can run
 * standalone or as one step of a larger transaction. docs/decisions/0014-store-sql-without-drizzle.md.
 */
import type postgres from 'postgres';

export type Db = postgres.Sql;
export type Tx = postgres.TransactionSql;
export type Executor = Db | Tx;

/** A statement parameter: timestamps as ISO text, JSON as its text (the client sends both unchanged). */
export type Param = string | number | boolean | null | readonly string[];

/** Runs `text` with `params` ($1 … $n) and returns its rows. */
export function rows<T>(db: Executor, text: string, params: readonly Param[]): Promise<T[]> {
  return db.unsafe(text, params as postgres.ParameterOrJSON<never>[]) as unknown as Promise<T[]>;
}

/** Runs `work` in one transaction on the pool. */
export function transaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.begin(work) as Promise<T>;
}
