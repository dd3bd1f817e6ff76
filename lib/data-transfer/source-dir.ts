/**
 * Reading a JSON store directory (format v1) for import and verify: the small record files are
 * read whole, conversations one file at a time. Problems are returned as issues naming the file
 * and the path inside it, never thrown, so one run can report every bad record.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import { FILES, TRANSIENT_FILES } from './format.js';

export interface Issue {
  /** File relative to the data directory, e.g. `conversations/<id>.json`. */
  file: string;
  /** Path inside the file, e.g. `messages.3.content`; empty for the whole file. */
  path: string;
  message: string;
}

/** Issues kept in full; beyond this only the count grows (a broken store can have millions). */
const MAX_KEPT_ISSUES = 1000;

/** The issues of one run: the first MAX_KEPT_ISSUES in full, and how many there were in all. */
export class IssueList {
  readonly kept: Issue[] = [];
  count = 0;
  add(...issues: Issue[]): void {
    for (const issue of issues) {
      this.count += 1;
      if (this.kept.length < MAX_KEPT_ISSUES) this.kept.push(issue);
    }
  }
}

export type ReadResult = { ok: true; value: unknown } | { ok: false; issue: Issue };

const KNOWN_TOP_LEVEL = new Set<string>([
  FILES.meta,
  FILES.users,
  FILES.sessions,
  FILES.apiTokens,
  FILES.usage,
  FILES.conversations,
  FILES.manifest,
]);

/** Reads and parses one JSON file; `missing` is returned as the value when the file does not exist. */
export async function readJson(dir: string, file: string, missing?: unknown): Promise<ReadResult> {
  let raw: string;
  try {
    raw = await readFile(join(dir, file), 'utf8');
  } catch (error) {
    if (missing !== undefined && (error as NodeJS.ErrnoException).code === 'ENOENT')
      return { ok: true, value: missing };
    return { ok: false, issue: { file, path: '', message: `cannot read: ${(error as Error).message}` } };
  }
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (error) {
    return { ok: false, issue: { file, path: '', message: `not valid JSON: ${(error as Error).message}` } };
  }
}

/** Fails with a helpful message unless `dir` is an existing directory. */
export async function assertDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch((cause: unknown) => {
    throw new AppError(
      400,
      'bad_request',
      `Data directory ${dir} does not exist. Pass the JSON store's directory (the DATA_DIR it ran with).`,
      { cause },
    );
  });
  if (!info.isDirectory())
    throw new AppError(400, 'bad_request', `${dir} is not a directory. Pass the JSON store's data directory.`);
}

/** Conversation file names (`<id>.json`), sorted; temporary and lock files are left out. */
export async function listConversationFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(dir, FILES.conversations), { withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw new AppError(500, 'internal', `Cannot list ${join(dir, FILES.conversations)}: ${error.message}`, {
        cause: error,
      });
    },
  );
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** Top-level entries that import does not load: transient state files and anything unknown. */
export async function skippedTopLevel(dir: string): Promise<string[]> {
  const entries = await readdir(dir);
  return entries
    .filter((name) => !KNOWN_TOP_LEVEL.has(name) && !name.startsWith('.'))
    .map((name) =>
      TRANSIENT_FILES.includes(name) ? `${name} (transient state, not imported)` : `${name} (unknown, not imported)`,
    )
    .sort();
}

/** Turns zod issues into our issues for one file, prefixing paths (e.g. a record's index). */
export function zodIssues(
  file: string,
  prefix: (string | number)[],
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
): Issue[] {
  return issues.map((i) => ({ file, path: [...prefix, ...i.path].map(String).join('.'), message: i.message }));
}
