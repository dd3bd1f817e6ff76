/**
 * npm run data:backup -- [--dir backups] [--keep N] [--json] [--report <file>]
 * A timestamped export of the database at DATABASE_URL, keeping the newest N backups (default 7).
 */
import { backupDatabase } from '../lib/data-transfer/backup.js';
import { UsageError, databaseUrl, emitReport, intFlag, parseCli, runScript, withDatabase } from '../lib/data-transfer/cli.js';
import { createProgress } from '../lib/data-transfer/progress.js';

const USAGE = 'usage: npm run data:backup -- [--dir backups] [--keep 7] [--json] [--report <file>] [--quiet]';

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), {
    dir: { type: 'string' }, keep: { type: 'string' }, json: { type: 'boolean' }, report: { type: 'string' }, quiet: { type: 'boolean' },
  }, USAGE);
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}\n${USAGE}`);
  const dir = typeof args.values.dir === 'string' ? args.values.dir : 'backups';
  const keep = intFlag(args.values.keep, 'keep', 7);
  const url = databaseUrl();
  const progress = createProgress(process.stderr, args.values.quiet === true);
  const result = await withDatabase(url, (sql) => backupDatabase(sql, url, dir, keep, progress));
  const counts = Object.entries(result.manifest.counts).map(([k, v]) => `${v} ${k}`).join(', ');
  const removed = result.removed.length > 0 ? `; removed old backups: ${result.removed.join(', ')}` : '';
  await emitReport(result, args, `BACKUP ${result.path}: ${counts}; keeping ${result.kept.length} backup(s)${removed}.`);
  return 0;
}

runScript(main);
