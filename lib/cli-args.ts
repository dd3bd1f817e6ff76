/**
 * Command-line arguments of the project's scripts (data tools, db:check, benchmarks), parsed with
 * node:util's parseArgs: unknown flags and bad values are a UsageError (exit code 2) that
 * repeats the script's usage line.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type CliOptions = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses argv with the given options (plus --help); unknown flags are a UsageError that repeats `usage`. */
export function parseCli(argv: string[], options: CliOptions, usage: string): ParsedArgs {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`, { cause: error });
  }
}

/** A string flag's value, or the default. */
export function stringFlag(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** A positive integer flag value, or the default. */
export function intFlag(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${String(value)}`);
  return n;
}

/** A positive number flag value (fractions allowed), or the default. */
export function numberFlag(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got ${String(value)}`);
  return n;
}
