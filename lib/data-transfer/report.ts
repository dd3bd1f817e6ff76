/**
 * Human-readable summaries of the data tools' reports (the JSON reports carry the same facts).
 */
import { TABLE_ORDER } from './canonical-row.js';
import type { ImportReport } from './import.js';
import type { Issue } from './source-dir.js';
import type { VerifyReport } from './verify.js';

const SHOWN = 50;

export function formatIssues(issues: Issue[], total: number): string[] {
  const lines = issues.slice(0, SHOWN).map((i) => `  ${i.file}${i.path ? ` @ ${i.path}` : ''}: ${i.message}`);
  if (total > lines.length)
    lines.push(`  … and ${total - lines.length} more (see the JSON report: --json or --report <file>)`);
  return lines;
}

function tableLines(report: ImportReport): string[] {
  return TABLE_ORDER.map((n) => {
    const c = report.checksums[n];
    return `  ${n.padEnd(14)} ${String(report.counts[n]).padStart(9)} in source  ${String(report.inserted[n]).padStart(9)} inserted  ${String(report.unchanged[n]).padStart(9)} unchanged  checksum ${c.checksum}`;
  });
}

/** The summary printed at the end of data:import / data:restore. */
export function formatImportReport(report: ImportReport): string {
  const lines = [
    `${report.status.toUpperCase()}: ${report.message}`,
    `source ${report.source} → ${report.target.host}/${report.target.database}${report.mode ? ` (${report.mode})` : ''}, ${(report.durationMs / 1000).toFixed(1)}s${report.maxRssMb ? `, peak RSS ${report.maxRssMb} MB` : ''}`,
    ...tableLines(report),
  ];
  if (report.issueCount > 0) lines.push('invalid records:', ...formatIssues(report.issues, report.issueCount));
  if (report.conflicts.length > 0) {
    lines.push('conflicts:', ...report.conflicts.slice(0, SHOWN).map((c) => `  ${c.table} ${c.id}: ${c.reason}`));
  }
  if (report.skipped.length > 0) lines.push('skipped on purpose:', ...report.skipped.map((s) => `  ${s}`));
  return lines.join('\n');
}

/** The summary printed by data:verify. */
export function formatVerifyReport(report: VerifyReport): string {
  const head = report.ok
    ? `SAME: ${report.source} and ${report.target.host}/${report.target.database} hold identical records.`
    : `DIFFERENT: ${report.source} and ${report.target.host}/${report.target.database} differ.`;
  const lines = [
    head,
    ...TABLE_ORDER.map((n) => {
      const t = report.tables[n];
      return `  ${n.padEnd(14)} directory ${String(t.directory.count).padStart(9)} ${t.directory.checksum}  database ${String(t.database.count).padStart(9)} ${t.database.checksum}  ${t.same ? 'same' : 'DIFFERENT'}`;
    }),
  ];
  if (report.differenceCount > 0) {
    lines.push(
      'records that differ:',
      ...report.differences.slice(0, SHOWN).map((d) => `  ${d.table} ${d.id}: ${d.kind}`),
    );
    if (report.differenceCount > SHOWN) lines.push(`  … and ${report.differenceCount - SHOWN} more (see --json)`);
  }
  if (report.issueCount > 0)
    lines.push('invalid records in the directory:', ...formatIssues(report.issues, report.issueCount));
  return lines.join('\n');
}
