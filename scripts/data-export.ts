/**
 * npm run data:export -- <dir> [--json] [--report <file>]
 * Writes the database at DATABASE_URL into <dir> as a JSON store (format v1) with manifest.json.
 */
import { UsageError, databaseUrl, emitReport, parseCli, runScript, withDatabase } from '../lib/data-transfer/cli.js';
import { exportDatabase } from '../lib/data-transfer/export.js';
import { createProgress } from '../lib/data-transfer/progress.js';

const USAGE = 'usage: npm run data:export -- <new-or-empty-dir> [--json] [--report <file>] [--quiet]';

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2), { json: { type: 'boolean' }, report: { type: 'string' }, quiet: { type: 'boolean' } }, USAGE);
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [dir, ...rest] = args.positionals;
  if (!dir || rest.length > 0) throw new UsageError(`expected exactly one target directory\n${USAGE}`);
  const url = databaseUrl();
  const progress = createProgress(process.stderr, args.values.quiet === true);
  const manifest = await withDatabase(url, (sql) => exportDatabase(sql, url, dir, progress));
  const counts = Object.entries(manifest.counts).map(([k, v]) => `${v} ${k}`).join(', ');
  await emitReport(manifest, args, `EXPORTED ${counts} from ${manifest.source.host}/${manifest.source.database} to ${dir} (manifest.json written last).`);
  return 0;
}

runScript(main);
