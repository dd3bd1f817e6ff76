/**
 * Configuration, parsed once from the environment through zod. Nothing else reads process.env.
 * A bad value fails at start-up with a message naming the variable. A `.env` file in the working
 * directory, if there is one, fills in variables the environment does not set (loadDotEnv).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';

const tierLimits = z.object({ daily: z.number().int().nonnegative(), monthly: z.number().int().nonnegative() });
export type TierLimits = z.infer<typeof tierLimits>;
export type UsageLimits = Record<string, TierLimits>;

export const DEFAULT_USAGE_LIMITS: UsageLimits = {
  free: { daily: 100, monthly: 2000 },
  pro: { daily: 2000, monthly: 50000 },
};

const usageLimits = z
  .string()
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"free":{"daily":100,"monthly":2000}}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), tierLimits.partial()))
  .transform((parsed): UsageLimits => {
    const merged: UsageLimits = { ...DEFAULT_USAGE_LIMITS };
    for (const [tier, limits] of Object.entries(parsed)) {
      const base = DEFAULT_USAGE_LIMITS[tier] ?? DEFAULT_USAGE_LIMITS.free!;
      merged[tier] = { ...base, ...limits };
    }
    return merged;
  });

/**
 * CORS_ORIGINS: comma-separated exact origins, each written the way a browser sends its Origin
 * header (`scheme://host[:port]`, lower case, no path, no default port), so matching is plain
 * string equality. `*` is refused: credentials cannot be combined with a wildcard.
 */
const corsOrigins = z.string().transform((raw, ctx) => {
  const origins = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const origin of origins) {
    if (!isExactOrigin(origin)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${origin}" is not an origin; write scheme://host[:port] with no path, e.g. https://app.example.com`,
      });
    }
  }
  return origins;
});

function isExactOrigin(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
}

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: optionalString,
  /** Direct (non-pooled) connection for migrations; default DATABASE_URL. */
  DATABASE_MIGRATION_URL: optionalString,
  /** Server where `npm run bench` creates (and drops) its scratch database; default this machine's. */
  BENCH_DATABASE_URL: optionalString,
  DATA_DIR: z.string().min(1).default('./data'),
  JSON_STORE_MAX_CONVERSATION_MB: z.coerce.number().positive().default(8),
  JSON_STORE_CACHE_MB: z.coerce.number().min(0).default(64),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  USAGE_LIMITS: usageLimits.optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(3),
  DATABASE_PREPARE: bool.default(true),
  DATABASE_IDLE_TIMEOUT: z.coerce.number().int().min(0).default(20),
  DATABASE_CONNECT_TIMEOUT: z.coerce.number().int().min(1).default(5),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(10000),
  SLOW_QUERY_MS: z.coerce.number().int().min(0).default(500),
  /**
   * Time budget of one request: waiting for a pool connection, connecting and running queries
   * together. Past it the answer is 503 + Retry-After. Below vercel.json's maxDuration (15 s).
   */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(8000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** scrypt cost as log2(N); OWASP: N=2^17, r=8, p=1. Lower only in tests. */
  PASSWORD_SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).default(17),
  /** Set by Vercel; marks a read-only, per-instance filesystem. */
  VERCEL: optionalString,
  /** `false` drops the Secure cookie flag; default: Secure unless NODE_ENV=development/test. */
  COOKIE_SECURE: bool.optional(),
  /** `none` for a frontend on another site: the cookie is then sent cross-site, and always Secure. */
  COOKIE_SAME_SITE: z.enum(['lax', 'strict', 'none']).default('lax'),
  CORS_ORIGINS: z.preprocess((v) => (v === '' ? undefined : v), corsOrigins.optional()),
});

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' } as const;

/** The environment schema and its one mapping to the typed configuration the code reads. */
const configSchema = envSchema
  .superRefine((e, ctx) => {
    if (e.COOKIE_SAME_SITE === 'none' && e.COOKIE_SECURE === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['COOKIE_SECURE'],
        message: 'cannot be false with COOKIE_SAME_SITE=none (browsers drop SameSite=None cookies without Secure)',
      });
    }
  })
  .transform((e) => ({
    nodeEnv: e.NODE_ENV,
    databaseUrl: e.DATABASE_URL,
    /** Where `npm run db:migrate` connects: DATABASE_MIGRATION_URL, else DATABASE_URL. */
    migrationDatabaseUrl: e.DATABASE_MIGRATION_URL ?? e.DATABASE_URL,
    /** BENCH_DATABASE_URL: where `npm run bench` creates its scratch database (bench/api/run.ts). */
    benchDatabaseUrl: e.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    dataDir: e.DATA_DIR,
    /** JSON_STORE_MAX_CONVERSATION_MB in bytes: the JSON store's per-conversation size limit. */
    jsonStoreMaxConversationBytes: Math.round(e.JSON_STORE_MAX_CONVERSATION_MB * 1024 * 1024),
    /** JSON_STORE_CACHE_MB in bytes: conversation files the JSON store keeps parsed (and indexed) in memory. */
    jsonStoreCacheBytes: Math.round(e.JSON_STORE_CACHE_MB * 1024 * 1024),
    port: e.PORT,
    usageLimits: e.USAGE_LIMITS ?? DEFAULT_USAGE_LIMITS,
    db: {
      poolMax: e.DATABASE_POOL_MAX,
      prepare: e.DATABASE_PREPARE,
      idleTimeoutSeconds: e.DATABASE_IDLE_TIMEOUT,
      connectTimeoutSeconds: e.DATABASE_CONNECT_TIMEOUT,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      slowQueryMs: e.SLOW_QUERY_MS,
    },
    /** REQUEST_TIMEOUT_MS: the budget of one request (lib/request-deadline.ts). */
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    passwordScryptLogN: e.PASSWORD_SCRYPT_LOG_N,
    onVercel: e.VERCEL !== undefined,
    cookieSecure: e.COOKIE_SAME_SITE === 'none' || (e.COOKIE_SECURE ?? e.NODE_ENV === 'production'),
    cookieSameSite: SAME_SITE[e.COOKIE_SAME_SITE],
    /** Exact origins allowed to call the API from a browser (CORS); empty: none. */
    corsOrigins: e.CORS_ORIGINS ?? [],
  }));

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment (default: process.env). Throws ConfigError naming each bad variable. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

/**
 * Adds the variables of `<cwd>/.env` that `env` does not have (a variable already set, even to
 * an empty string, is never replaced) and returns the file's path; undefined when there is no
 * such file. Skipped when NODE_ENV=test, so a developer's .env never reaches the test suite: the
 * e2e harness removes DATABASE_URL and friends from a server's environment on purpose, and a
 * .env must not put them back. Parsed by Node's own parser (`util.parseEnv`: quotes, `#`
 * comments, `export`, multi-line double-quoted values).
 */
export function loadDotEnv(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string | undefined {
  if (env.NODE_ENV === 'test') return undefined;
  const file = path.join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`Cannot read ${file}`, { cause: error });
  }
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined && value !== undefined) env[name] = value;
  }
  return file;
}

let cached: Config | undefined;

/** The process's configuration: `.env` loaded (see loadDotEnv), then parsed, on first use. */
export function config(): Config {
  if (cached === undefined) {
    loadDotEnv();
    cached = parseConfig();
  }
  return cached;
}
