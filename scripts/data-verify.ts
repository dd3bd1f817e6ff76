/**
 * npm run data:verify -- <dir> [--json] [--report <file>] [--quiet]
 * Compares a JSON store directory with the database at DATABASE_URL; exits 1 on any difference
 * and names the records that differ.
 */
import { emitReport, runDataScript, withDatabase } from '../lib/data-transfer/cli.js';
import { formatVerifyReport } from '../lib/data-transfer/report.js';
import { verifyDirectory } from '../lib/data-transfer/verify.js';

runDataScript({
  usage: 'usage: npm run data:verify -- <data-dir> [--json] [--report <file>] [--quiet]',
  directory: 'data directory',
  async main({ args, dir, url, progress }) {
    const report = await withDatabase(url, (sql) => verifyDirectory(sql, url, dir, progress));
    await emitReport(report, args, formatVerifyReport(report));
    return report.ok ? 0 : 1;
  },
});
