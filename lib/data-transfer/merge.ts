/**
 * Importing into a database that already holds data: the source is COPYed into temporary staging
 * tables (dropped at COMMIT), compared with the live rows in SQL (jsonb compared as values), and
 * only records that do not exist yet are inserted (messages numbered by the database, in the
 * source's order). A record that exists with different content,
 * or that clashes on a unique value (email, username, token hash), is a conflict: the caller
 * rolls back and reports every one of them.
 */
import { TABLE_ORDER, TABLES, type TableName, type TableSpec } from './canonical-row.js';
import { copyInto, sourceStream } from './copy-load.js';
import type { Spool } from './spool.js';
import type { Tx } from './db.js';
import type { Progress } from './progress.js';
import type { SourceScan } from './validate.js';

export interface Conflict {
  table: TableName;
  id: string;
  reason: string;
}

/** Conflicts reported per check; more would not help anyone fix the source. */
const MAX_CONFLICTS_PER_CHECK = 200;

export const stageName = (spec: TableSpec): string => `stage_${spec.table}`;

/** The stored columns of `spec` over `alias`, without `except` (the generated order column, where it must not be copied). */
const cols = (spec: TableSpec, alias: string, except?: string): string =>
  spec.columns
    .filter(([c]) => c !== except)
    .map(([c]) => `${alias}."${c}"`)
    .join(', ');
const names = (spec: TableSpec, except?: string): string =>
  spec.columns
    .filter(([c]) => c !== except)
    .map(([c]) => `"${c}"`)
    .join(', ');

/** The expressions merges match rows by, over a table alias. */
const matchList = (spec: TableSpec, alias: string): string =>
  spec.match ? spec.match.key(`${alias}.`) : `${alias}."${spec.key}"`;
/** The same as one comparable value (a row when there are several). */
const matchKey = (spec: TableSpec, alias: string): string => `(${matchList(spec, alias)})`;

/** Restricts a table (alias `t`) to the keys present in its staging table. */
export const stagedOnly = (name: TableName): string => {
  const spec = TABLES[name];
  return `where ${matchKey(spec, 't')} in (select ${matchList(spec, 's')} from "${stageName(spec)}" s)`;
};

/** COPYs the whole source into temporary staging tables shaped like the real ones. */
export async function stageSource(
  tx: Tx,
  scan: SourceScan,
  spool: Spool,
  batchRows: number,
  progress: Progress,
): Promise<void> {
  for (const name of TABLE_ORDER) {
    const spec = TABLES[name];
    const stage = stageName(spec);
    await tx.unsafe(
      `create temp table "${stage}" on commit drop as select ${cols(spec, 't')} from "${spec.table}" t with no data`,
    );
    progress.start(`stage ${name}`, scan.checksums[name].count, 'rows');
    await copyInto(tx, spec, stage, sourceStream(scan, spool, name, batchRows), (n) => progress.tick(n));
    progress.done();
    await tx.unsafe(`create index on "${stage}" (${spec.match?.index ?? `"${spec.key}"`})`);
    await tx.unsafe(`analyze "${stage}"`);
  }
}

async function differing(tx: Tx, name: TableName): Promise<Conflict[]> {
  const spec = TABLES[name];
  const skip = new Set([spec.generatedOrder, ...(spec.match?.uncompared ?? [])]);
  // json (messages.parts) has no equality operator: compared as jsonb, i.e. as values.
  const compared = (alias: string): string =>
    spec.columns
      .filter(([c]) => !skip.has(c))
      .map(([c, kind]) => (kind === 'json' ? `${alias}."${c}"::jsonb` : `${alias}."${c}"`))
      .join(', ');
  const id = spec.canonical ? `${spec.canonical[0]![2]('s.')}::text` : `s."${spec.key}"::text`;
  const rows = await tx.unsafe<{ id: string }[]>(
    `select ${id} as id from "${stageName(spec)}" s join "${spec.table}" t on ${matchKey(spec, 't')} = ${matchKey(spec, 's')}
     where (${compared('s')}) is distinct from (${compared('t')}) order by 1 limit ${MAX_CONFLICTS_PER_CHECK}`,
  );
  const out = rows.map((r) => ({ table: name, id: r.id, reason: 'exists in the database with different content' }));
  if (!spec.match) return out;
  // Matched by another key, a row to insert could still clash on its row key (a UUID id another conversation's row has).
  const taken = await tx.unsafe<{ id: string }[]>(
    `select ${id} as id from "${stageName(spec)}" s join "${spec.table}" t on t."${spec.key}" = s."${spec.key}"
     where not exists (select 1 from "${spec.table}" m where ${matchKey(spec, 'm')} = ${matchKey(spec, 's')})
     order by 1 limit ${MAX_CONFLICTS_PER_CHECK}`,
  );
  for (const r of taken)
    out.push({ table: name, id: r.id, reason: `its row id is already used by another ${name} record in the database` });
  return out;
}

async function uniqueClashes(
  tx: Tx,
  name: TableName,
  column: string,
  label: string,
  lower: boolean,
): Promise<Conflict[]> {
  const spec = TABLES[name];
  const l = (x: string): string => (lower ? `lower(${x})` : x);
  const rows = await tx.unsafe<{ id: string; other: string }[]>(
    `select s.id::text as id, t.id::text as other from "${stageName(spec)}" s join "${spec.table}" t
     on ${l(`t."${column}"`)} = ${l(`s."${column}"`)} and t.id <> s.id order by 1 limit ${MAX_CONFLICTS_PER_CHECK}`,
  );
  return rows.map((r) => ({
    table: name,
    id: r.id,
    reason: `${label} is already used by ${name} record ${r.other} in the database`,
  }));
}

/** Every conflict between the staged source and the live tables. */
export async function findConflicts(tx: Tx): Promise<Conflict[]> {
  const out: Conflict[] = [];
  for (const name of TABLE_ORDER) out.push(...(await differing(tx, name)));
  out.push(...(await uniqueClashes(tx, 'users', 'email', 'email', true)));
  out.push(...(await uniqueClashes(tx, 'users', 'username', 'username', true)));
  out.push(...(await uniqueClashes(tx, 'sessions', 'token_hash', 'tokenHash', false)));
  out.push(...(await uniqueClashes(tx, 'apiTokens', 'token_hash', 'tokenHash', false)));
  return out;
}

/** Inserts the staged records whose key is not in the live table yet; returns counts per table. */
export async function insertMissing(tx: Tx, progress: Progress): Promise<Record<TableName, number>> {
  const inserted = {} as Record<TableName, number>;
  progress.start('insert new records', TABLE_ORDER.length, 'tables');
  for (const name of TABLE_ORDER) {
    const spec = TABLES[name];
    // A generated order column is left to the database, which numbers the rows in the source's order.
    const generated = spec.generatedOrder;
    const result = await tx.unsafe(
      `insert into "${spec.table}" (${names(spec, generated)})
       select ${cols(spec, 's', generated)} from "${stageName(spec)}" s
       where not exists (select 1 from "${spec.table}" t where ${matchKey(spec, 't')} = ${matchKey(spec, 's')})
       ${generated ? `order by s."${generated}"` : ''}`,
    );
    inserted[name] = result.count;
    progress.tick(1);
  }
  progress.done();
  return inserted;
}
