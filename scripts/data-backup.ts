/**
 * npm run data:backup -- [--dir backups] [--keep N] [--json] [--report <file>] [--quiet]
 * A timestamped export of the database at DATABASE_URL, keeping the newest N backups (default 7).
 */
import { intFlag, stringFlag } from '../lib/cli-args.js';
import { backupDatabase } from '../lib/data-transfer/backup.js';
import { emitReport, runDataScript, withDatabase } from '../lib/data-transfer/cli.js';

runDataScript({
  usage: 'usage: npm run data:backup -- [--dir backups] [--keep 7] [--json] [--report <file>] [--quiet]',
  options: { dir: { type: 'string' }, keep: { type: 'string' } },
  async main({ args, url, progress }) {
    const dir = stringFlag(args.values.dir, 'backups');
    const keep = intFlag(args.values.keep, 'keep', 7);
    const result = await withDatabase(url, (sql) => backupDatabase(sql, url, dir, keep, progress));
    const counts = Object.entries(result.manifest.counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    const removed = result.removed.length > 0 ? `; removed old backups: ${result.removed.join(', ')}` : '';
    await emitReport(
      result,
      args,
      `BACKUP ${result.path}: ${counts}; keeping ${result.kept.length} backup(s)${removed}.`,
    );
    return 0;
  },
});
