/**
 * Shared plumbing of the data:* scripts: argument parsing, the database URL from config, the
 * JSON report (`--json` on stdout, `--report <file>`), exit codes, and error messages that say
 * what to do next. Exit codes: 0 done, 1 the data was refused (invalid, conflict, difference),
 * 2 usage or environment error.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { config, ConfigError } from '../config.js';
import { AppError, isAppError } from '../errors.js';
import { closeTransferDb, connectionHint, openTransferDb, type Sql } from './db.js';

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses argv with the given options; unknown flags are a UsageError that repeats `usage`. */
export function parseCli(argv: string[], options: NonNullable<ParseArgsConfig['options']>, usage: string): ParsedArgs {
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, allowPositionals: true, strict: true });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}

/** A positive integer flag value, or the default. */
export function intFlag(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${String(value)}`);
  return n;
}

/** DATABASE_URL from the parsed configuration; a UsageError naming the variable when unset. */
export function databaseUrl(): string {
  const url = config().databaseUrl;
  if (!url) throw new UsageError('DATABASE_URL is not set. Set it to the PostgreSQL database to use, e.g. DATABASE_URL=postgres://user:pass@host:5432/threadbase');
  return url;
}

/** Runs `work` with the tools' connection and always closes it; connection problems say what to check. */
export async function withDatabase<T>(url: string, work: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = openTransferDb(url, { prepare: config().db.prepare, connectTimeoutSeconds: config().db.connectTimeoutSeconds });
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
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
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
