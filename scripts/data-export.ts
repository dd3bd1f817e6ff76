/**
 * npm run data:export -- <dir> [--json] [--report <file>] [--quiet]
 * Writes the database at DATABASE_URL into <dir> as a JSON store (format v1) with manifest.json.
 */
import { emitReport, runDataScript, withDatabase } from '../lib/data-transfer/cli.js';
import { exportDatabase } from '../lib/data-transfer/export.js';

runDataScript({
  usage: 'usage: npm run data:export -- <new-or-empty-dir> [--json] [--report <file>] [--quiet]',
  directory: 'target directory',
  async main({ args, dir, url, progress }) {
    const manifest = await withDatabase(url, (sql) => exportDatabase(sql, url, dir, progress));
    const counts = Object.entries(manifest.counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    await emitReport(
      manifest,
      args,
      `EXPORTED ${counts} from ${manifest.source.host}/${manifest.source.database} to ${dir} (manifest.json written last).`,
    );
    return 0;
  },
});
