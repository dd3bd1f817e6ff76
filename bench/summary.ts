/**
 * The targets a benchmark section checked, collected by `npm run bench` (bench/run.ts) into one
 * summary at the end. A section calls `recordTarget` for each target it measured; the record goes
 * as one JSON line to the file named by BENCH_SUMMARY_FILE (set by bench/run.ts) and nowhere when
 * a section runs on its own. The section still prints its own tables and verdicts.
 */
import { appendFileSync } from 'node:fs';

export interface TargetRecord {
  /** The section: `api`, `cold-start`, `json-store`, `import`. */
  section: string;
  /** What was measured, e.g. `list conversations c=20 req/s`. */
  name: string;
  /** The measured figure as printed, e.g. `0.91×` or `143 ms`. */
  measured: string;
  /** The target as printed, e.g. `≥ 0.8×`. */
  target: string;
  met: boolean;
}

export const SUMMARY_FILE_ENV = 'BENCH_SUMMARY_FILE';

export function recordTarget(record: TargetRecord): void {
  const file = process.env[SUMMARY_FILE_ENV];
  if (file) appendFileSync(file, `${JSON.stringify(record)}\n`);
}

/** The records a summary file holds (lines that do not parse are skipped: a section died mid-write). */
export function parseSummary(text: string): TargetRecord[] {
  return text.split('\n').flatMap((line) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as TargetRecord];
    } catch {
      return [];
    }
  });
}
