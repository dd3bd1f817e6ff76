/**
 * An export's manifest.json, when present, must describe exactly the files beside it (else it was
 * altered or is partial). A version-1 manifest's conversations and messages checksums are of
 * version-1 canonical rows, which the scan computes alongside when it finds one.
 */
import { summarizeAll, type ChecksumSummary, type Checksums } from './checksum.js';
import { FILES } from './format.js';
import { readJson, type IssueList } from './source-dir.js';

type Manifest = { version?: unknown; checksums?: Record<string, ChecksumSummary> } | null;

/** Whether the directory holds a version-1 manifest (read again, and reported, by checkManifest). */
export async function hasV1Manifest(dir: string): Promise<boolean> {
  const read = await readJson(dir, FILES.manifest, null);
  return read.ok && (read.value as Manifest)?.version === 1;
}

/** Adds an issue for every table whose manifest checksum differs from the files' (`v1Sums`: of a version-1 manifest). */
export async function checkManifest(
  dir: string,
  sums: Checksums,
  v1Sums: Checksums | null,
  issues: IssueList,
): Promise<void> {
  const read = await readJson(dir, FILES.manifest, null);
  if (!read.ok) return issues.add(read.issue);
  const manifest = read.value as Manifest;
  if (manifest?.checksums === undefined) return;
  const actual = summarizeAll(
    v1Sums ? { ...sums, conversations: v1Sums.conversations, messages: v1Sums.messages } : sums,
  );
  for (const [name, summary] of Object.entries(actual)) {
    const expected = manifest.checksums[name];
    if (expected?.count !== summary.count || expected.checksum !== summary.checksum) {
      issues.add({
        file: FILES.manifest,
        path: `checksums.${name}`,
        message: `does not match the files (manifest ${expected?.count ?? '?'} rows ${expected?.checksum ?? '?'}, files ${summary.count} rows ${summary.checksum}): the export was modified or is incomplete. Restore from an intact backup, or delete manifest.json to import the files as they are`,
      });
    }
  }
}
