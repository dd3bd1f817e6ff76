/**
 * npm run data:restore -- <dir> [--force] [--batch-size N] [--json] [--report <file>]
 * Restores an export/backup (or any JSON store directory) into the database at DATABASE_URL.
 * Refuses a database that holds data unless --force, which replaces everything in one transaction.
 */
import { UsageError, databaseUrl, emitReport, intFlag, parseCli, runScript, withDatabase } from '../lib/data-transfer/cli.js';
import { importDirectory } from '../lib/data-transfer/import.js';
import { createProgress } from '../lib/data-transfer/progress.js';
import { formatImportReport } from '../lib/data-transfer/report.js';

const USAGE = 'usage: npm run data:restore -- <backup-dir> [--force] [--batch-size N] [--json] [--report <file>] [--quiet]';

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), {
    force: { type: 'boolean' }, 'batch-size': { type: 'string' }, json: { type: 'boolean' }, report: { type: 'string' }, quiet: { type: 'boolean' },
  }, USAGE);
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [dir, ...rest] = args.positionals;
  if (!dir || rest.length > 0) throw new UsageError(`expected exactly one backup directory\n${USAGE}`);
  const force = args.values.force === true;
  const batchSize = intFlag(args.values['batch-size'], 'batch-size', 1000);
  const url = databaseUrl();
  const progress = createProgress(process.stderr, args.values.quiet === true);
  const report = await withDatabase(url, (sql) => importDirectory(sql, url, { dir, batchSize, progress, requireEmpty: !force, replace: force }));
  await emitReport(report, args, formatImportReport(report));
  return report.ok ? 0 : 1;
}

runScript(main);
