/**
 * Structured JSON logs, one line per event on stdout, filtered by LOG_LEVEL (config).
 * `logger.child({ requestId })` binds fields to every line. Secrets never reach a line: keys that
 * name credentials are redacted wherever they appear, and errors are reduced to name/message/stack.
 */
import { config } from './config.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const RANK: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

// Matched against lower-cased keys; `tokenhash`, `passwordhash`, `set-cookie` all fall under these.
const SECRET_KEY = /authorization|cookie|password|secret|token|hash|apikey|api_key/;

/** Where lines go; tests may replace it to capture output. */
export type LogSink = (line: string) => void;
let sink: LogSink = (line) => process.stdout.write(`${line}\n`);

export function setLogSink(next: LogSink): void {
  sink = next;
}

function serializeError(error: Error, depth: number): LogFields {
  const out: LogFields = { name: error.name, message: error.message, stack: error.stack };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (error.cause !== undefined && depth < 3) out.cause = redact(error.cause, depth + 1);
  return out;
}

/** Copies `value` with secret-looking keys replaced by "[redacted]". */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[depth]';
  if (value instanceof Error) return serializeError(value, depth);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: LogFields = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key.toLowerCase()) ? '[redacted]' : redact(item, depth + 1);
    }
    return out;
  }
  return value;
}

function write(level: LogLevel, bound: LogFields, message: string, fields?: LogFields): void {
  const threshold = RANK[config().logLevel];
  if (RANK[level] < threshold) return;
  const line = { time: new Date().toISOString(), level, msg: message, ...bound, ...fields };
  sink(JSON.stringify(redact(line)));
}

function makeLogger(bound: LogFields): Logger {
  return {
    debug: (message, fields) => write('debug', bound, message, fields),
    info: (message, fields) => write('info', bound, message, fields),
    warn: (message, fields) => write('warn', bound, message, fields),
    error: (message, fields) => write('error', bound, message, fields),
    child: (fields) => makeLogger({ ...bound, ...fields }),
  };
}

/** The process-wide root logger. */
export const logger: Logger = makeLogger({});
