/**
 * npm run data:import -- <dir> [--dry-run] [--backup <archive>] [--batch-size N] [--json] [--report <file>]
 * Imports a JSON store directory into the database at DATABASE_URL, all or nothing.
 */
import { archiveDirectory } from '../lib/data-transfer/archive.js';
import { UsageError, databaseUrl, emitReport, intFlag, parseCli, runScript, withDatabase } from '../lib/data-transfer/cli.js';
import { importDirectory } from '../lib/data-transfer/import.js';
import { createProgress } from '../lib/data-transfer/progress.js';
import { formatImportReport } from '../lib/data-transfer/report.js';

const USAGE = 'usage: npm run data:import -- <data-dir> [--dry-run] [--backup <archive.tar.gz>] [--batch-size N] [--json] [--report <file>]';

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), {
    'dry-run': { type: 'boolean' },
    backup: { type: 'string' },
    'batch-size': { type: 'string' },
    json: { type: 'boolean' },
    report: { type: 'string' },
    quiet: { type: 'boolean' },
  }, USAGE);
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [dir, ...rest] = args.positionals;
  if (!dir || rest.length > 0) throw new UsageError(`expected exactly one data directory\n${USAGE}`);
  const batchSize = intFlag(args.values['batch-size'], 'batch-size', 1000);
  const url = databaseUrl();
  if (typeof args.values.backup === 'string') {
    const archive = await archiveDirectory(dir, args.values.backup);
    process.stderr.write(`backup written: ${archive}\n`);
  }
  const progress = createProgress(process.stderr, args.values.quiet === true);
  const report = await withDatabase(url, (sql) => importDirectory(sql, url, { dir, dryRun: args.values['dry-run'] === true, batchSize, progress }));
  report.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  await emitReport(report, args, formatImportReport(report));
  return report.ok ? 0 : 1;
}

runScript(main);
