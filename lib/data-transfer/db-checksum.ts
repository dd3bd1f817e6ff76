/**
 * The database side of the checksums: rows are read back through a cursor as canonical cells
 * (PostgreSQL formats timestamps and uuids itself) and reduced with the same canonicalizer and
 * hash as the JSON side (docs/decisions/0011); also row counts.
 */
import { addRow, emptyChecksum, emptyChecksums, type Checksums, type TableChecksum } from './checksum.js';
import {
  TABLE_ORDER,
  TABLES,
  canonicalFromDb,
  selectList,
  type Cell,
  type TableName,
  type TableSpec,
} from './canonical-row.js';
import type { Sql, Tx } from './db.js';

const CURSOR_ROWS = 2000;

export type QueryParam = string | string[];

/** Streams `select <canonical cells> from table [where]` to `each`, in batches. */
export async function eachDbRow(
  sql: Sql | Tx,
  spec: TableSpec,
  where: string,
  each: (cells: Cell[]) => void,
  orderBy = '',
  params: QueryParam[] = [],
): Promise<void> {
  const query = sql
    .unsafe(`select ${selectList(spec, 't')} from "${spec.table}" t ${where} ${orderBy}`, params)
    .values();
  await query.cursor(CURSOR_ROWS, (rows) => {
    for (const row of rows) each(row as Cell[]);
  });
}

/** The checksum of a table, optionally restricted (`where` is SQL over alias `t`). */
export async function dbTableChecksum(sql: Sql | Tx, spec: TableSpec, where = ''): Promise<TableChecksum> {
  const acc = emptyChecksum();
  await eachDbRow(sql, spec, where, (cells) => addRow(acc, canonicalFromDb(spec, cells)));
  return acc;
}

/** Checksums of every table; `whereOf` may restrict a table (e.g. to the ids just imported). */
export async function dbChecksums(sql: Sql | Tx, whereOf: (name: TableName) => string = () => ''): Promise<Checksums> {
  const out = emptyChecksums();
  for (const name of TABLE_ORDER) out[name] = await dbTableChecksum(sql, TABLES[name], whereOf(name));
  return out;
}

/** Row counts of every table, cheaply (count(*)). */
export async function dbCounts(sql: Sql | Tx): Promise<Record<TableName, number>> {
  const out = {} as Record<TableName, number>;
  for (const name of TABLE_ORDER) {
    const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${TABLES[name].table}"`);
    out[name] = row?.n ?? 0;
  }
  return out;
}
