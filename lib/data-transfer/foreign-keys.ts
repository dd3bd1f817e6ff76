/**
 * Loading an empty target without a foreign-key lookup per row: inside the import's transaction,
 * the foreign keys of the loaded tables are dropped before COPY and re-added afterwards from their
 * own definitions (pg_get_constraintdef), so PostgreSQL checks every row once per constraint in
 * one pass instead of once per row. Nothing is committed in between: a failed check (or a killed
 * process) rolls the drop back with everything else. Why and what it buys: docs/decisions/0018.
 */
import type { Tx } from './db.js';

interface ForeignKey {
  drop: string;
  add: string;
}

/** The DROP and ADD statements of every foreign key declared on `tables`, quoted by PostgreSQL. */
async function foreignKeysOf(tx: Tx, tables: readonly string[]): Promise<ForeignKey[]> {
  return tx<ForeignKey[]>`
    select format('alter table %s drop constraint %I', c.conrelid::regclass, c.conname) as drop,
           format('alter table %s add constraint %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) as add
    from pg_constraint c
    where c.contype = 'f' and c.conrelid = any(array(select to_regclass(t) from unnest(${tables as string[]}::text[]) t))
    order by c.conrelid::regclass::text, c.conname`;
}

/**
 * Runs `load` with the foreign keys of `tables` dropped, then re-adds them (each validates every
 * row; a missing parent fails with SQLSTATE 23503, which the caller reports). Only for a target
 * that was empty: the drop holds ACCESS EXCLUSIVE locks on these tables and the tables they
 * reference until COMMIT.
 */
export async function withForeignKeysDeferred<T>(
  tx: Tx,
  tables: readonly string[],
  load: () => Promise<T>,
): Promise<T> {
  const keys = await foreignKeysOf(tx, tables);
  for (const key of keys) await tx.unsafe(key.drop);
  const result = await load();
  for (const key of keys) await tx.unsafe(key.add);
  return result;
}
