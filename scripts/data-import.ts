/**
 * npm run data:import -- <dir> [--dry-run] [--backup <archive>] [--batch-size N] [--json] [--report <file>] [--quiet]
 * Imports a JSON store directory into the database at DATABASE_URL, all or nothing.
 */
import { intFlag } from '../lib/cli-args.js';
import { archiveDirectory } from '../lib/data-transfer/archive.js';
import { emitReport, runDataScript, withDatabase } from '../lib/data-transfer/cli.js';
import { importDirectory } from '../lib/data-transfer/import.js';
import { formatImportReport } from '../lib/data-transfer/report.js';

runDataScript({
  usage:
    'usage: npm run data:import -- <data-dir> [--dry-run] [--backup <archive.tar.gz>] [--batch-size N] [--json] [--report <file>] [--quiet]',
  options: { 'dry-run': { type: 'boolean' }, backup: { type: 'string' }, 'batch-size': { type: 'string' } },
  directory: 'data directory',
  async main({ args, dir, url, progress }) {
    const batchSize = intFlag(args.values['batch-size'], 'batch-size', 1000);
    if (typeof args.values.backup === 'string') {
      const archive = await archiveDirectory(dir, args.values.backup);
      process.stderr.write(`backup written: ${archive}\n`);
    }
    const report = await withDatabase(url, (sql) =>
      importDirectory(sql, url, { dir, dryRun: args.values['dry-run'] === true, batchSize, progress }),
    );
    report.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    await emitReport(report, args, formatImportReport(report));
    return report.ok ? 0 : 1;
  },
});
