/**
 * npm run data:verify -- <dir> [--json] [--report <file>]
 * Compares a JSON store directory with the database at DATABASE_URL; exits 1 on any difference
 * and names the records that differ.
 */
import { UsageError, databaseUrl, emitReport, parseCli, runScript, withDatabase } from '../lib/data-transfer/cli.js';
import { createProgress } from '../lib/data-transfer/progress.js';
import { formatVerifyReport } from '../lib/data-transfer/report.js';
import { verifyDirectory } from '../lib/data-transfer/verify.js';

const USAGE = 'usage: npm run data:verify -- <data-dir> [--json] [--report <file>] [--quiet]';

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), { json: { type: 'boolean' }, report: { type: 'string' }, quiet: { type: 'boolean' } }, USAGE);
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [dir, ...rest] = args.positionals;
  if (!dir || rest.length > 0) throw new UsageError(`expected exactly one data directory\n${USAGE}`);
  const url = databaseUrl();
  const progress = createProgress(process.stderr, args.values.quiet === true);
  const report = await withDatabase(url, (sql) => verifyDirectory(sql, url, dir, progress));
  await emitReport(report, args, formatVerifyReport(report));
  return report.ok ? 0 : 1;
}

runScript(main);
