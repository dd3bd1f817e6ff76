/**
 * Shared plumbing of the data:* scripts: their common flags, the database URL from config, the
 * JSON report (`--json` on stdout, `--report <file>`), exit codes, and error messages that say
 * what to do next. Exit codes: 0 done, 1 the data was refused (invalid, conflict, difference),
 * 2 usage or environment error.
 */
import { writeFile } from 'node:fs/promises';
import { parseCli, UsageError, type CliOptions, type ParsedArgs } from '../cli-args.js';
import { config, ConfigError } from '../config.js';
import { AppError, isAppError } from '../errors.js';
import { closeTransferDb, connectionHint, openTransferDb, type Sql } from './db.js';
import { createProgress, type Progress } from './progress.js';

/** DATABASE_URL from the parsed configuration; a UsageError naming the variable when unset. */
export function databaseUrl(): string {
  const url = config().databaseUrl;
  if (!url)
    throw new UsageError(
      'DATABASE_URL is not set. Set it to the PostgreSQL database to use, e.g. DATABASE_URL=postgres://user:pass@host:5432/threadbase',
    );
  return url;
}

/** Runs `work` with the tools' connection and always closes it; connection problems say what to check. */
export async function withDatabase<T>(url: string, work: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = openTransferDb(url, {
    prepare: config().db.prepare,
    connectTimeoutSeconds: config().db.connectTimeoutSeconds,
  });
  try {
    return await work(sql);
  } catch (error) {
    throw connectionHint(error, url) ?? error;
  } finally {
    await closeTransferDb(sql);
  }
}

/** Writes the JSON report where asked: stdout with --json, a file with --report. */
export async function emitReport(report: unknown, args: ParsedArgs, human: string): Promise<void> {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (typeof args.values.report === 'string') await writeFile(args.values.report, json);
  process.stdout.write(args.values.json === true ? json : `${human}\n`);
}

function describeError(error: unknown): string {
  if (error instanceof UsageError || error instanceof ConfigError) return error.message;
  if (isAppError(error)) return error.message;
  const cause = error instanceof Error ? error.message : String(error);
  return `Unexpected error: ${cause}`;
}

/**
 * Runs a script's main, turning errors into a message on stderr and an exit code. Ctrl-C and
 * SIGTERM exit at once: the open transaction dies with the connection (PostgreSQL rolls it back)
 * and exit handlers remove temporary files.
 */
export function runScript(main: () => Promise<number>): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopped; nothing was committed by an unfinished import or restore.\n`);
      process.exit(code);
    });
  }
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${describeError(error)}\n`);
      if (!(error instanceof UsageError || error instanceof ConfigError || error instanceof AppError)) {
        process.stderr.write(`${error instanceof Error ? (error.stack ?? '') : ''}\n`);
      }
      process.exitCode = error instanceof UsageError || error instanceof ConfigError ? 2 : 1;
    },
  );
}

/** What a data script's main gets: its parsed arguments, its directory, the database and a progress reporter. */
export interface DataRun {
  args: ParsedArgs;
  /** The positional directory (empty when the script takes none). */
  dir: string;
  url: string;
  progress: Progress;
}

export interface DataScript {
  usage: string;
  /** Flags beyond the common --json, --report <file>, --quiet and --help. */
  options?: CliOptions;
  /** What the one positional argument names ("data directory"); omitted when the script takes none. */
  directory?: string;
  main: (run: DataRun) => Promise<number>;
}

const COMMON_OPTIONS: CliOptions = {
  json: { type: 'boolean' },
  report: { type: 'string' },
  quiet: { type: 'boolean' },
};

/** Parses a data script's arguments (--help prints the usage), then runs it under `runScript`. */
export function runDataScript(script: DataScript): void {
  runScript(async () => {
    const args = parseCli(process.argv.slice(2), { ...COMMON_OPTIONS, ...script.options }, script.usage);
    if (args.values.help) {
      process.stdout.write(`${script.usage}\n`);
      return 0;
    }
    const [dir, ...rest] = args.positionals;
    if (script.directory === undefined && dir !== undefined)
      throw new UsageError(`unexpected argument ${dir}\n${script.usage}`);
    if (script.directory !== undefined && (dir === undefined || rest.length > 0)) {
      throw new UsageError(`expected exactly one ${script.directory}\n${script.usage}`);
    }
    const url = databaseUrl();
    return script.main({
      args,
      dir: dir ?? '',
      url,
      progress: createProgress(process.stderr, args.values.quiet === true),
    });
  });
}
