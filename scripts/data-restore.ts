/**
 * npm run data:restore -- <dir> [--force] [--batch-size N] [--json] [--report <file>] [--quiet]
 * Restores an export/backup (or any JSON store directory) into the database at DATABASE_URL.
 * Refuses a database that holds data unless --force, which replaces everything in one transaction.
 */
import { intFlag } from '../lib/cli-args.js';
import { emitReport, runDataScript, withDatabase } from '../lib/data-transfer/cli.js';
import { importDirectory } from '../lib/data-transfer/import.js';
import { formatImportReport } from '../lib/data-transfer/report.js';

runDataScript({
  usage: 'usage: npm run data:restore -- <backup-dir> [--force] [--batch-size N] [--json] [--report <file>] [--quiet]',
  options: { force: { type: 'boolean' }, 'batch-size': { type: 'string' } },
  directory: 'backup directory',
  async main({ args, dir, url, progress }) {
    const force = args.values.force === true;
    const batchSize = intFlag(args.values['batch-size'], 'batch-size', 1000);
    const report = await withDatabase(url, (sql) =>
      importDirectory(sql, url, { dir, batchSize, progress, requireEmpty: !force, replace: force }),
    );
    await emitReport(report, args, formatImportReport(report));
    return report.ok ? 0 : 1;
  },
});
