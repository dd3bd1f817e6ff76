/**
 * End-to-end harness: a real server process on a backend's storage, spoken to over a real socket
 * with fetch. The target (E2E_TARGET) is the dev server (`node --import tsx scripts/dev-server.ts`,
 * the default), the compiled production server (`prod`: `node dist/scripts/start.js`; run
 * `npm run build` first), or what `vercel build` produced, served like Vercel serves it
 * (`vercel-output`: scripts/serve-vercel-output.ts over E2E_VERCEL_OUTPUT, default .vercel/output).
 *
 *   const instance = await backend.create();
 *   const server = await startTestServer(instance);
 *   const res = await api(server.url)('POST', '/api/conversations', { json: { title: 'x' }, token });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAST_RESORT_MESSAGES } from '../../lib/process/last-resort.js';
import { stopChild } from '../../lib/process/stop-child.js';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const LAST_RESORT: string[] = Object.values(LAST_RESORT_MESSAGES);

export type E2eTarget = 'dev-server' | 'prod' | 'vercel-output';

/** What E2E_TARGET selects: the dev server (default), the compiled server, or `vercel build`'s output. */
export function e2eTarget(): E2eTarget {
  const target = process.env.E2E_TARGET ?? 'dev-server';
  if (target === 'dev-server' || target === 'prod' || target === 'vercel-output') return target;
  throw new Error(`E2E_TARGET must be dev-server, prod or vercel-output, not ${target}`);
}

/**
 * True when the target sits behind Vercel's routing (`vercel-output`): unknown paths get the
 * platform's own 404 (no function runs) and the platform sets X-Forwarded-Host itself.
 */
export function behindVercel(): boolean {
  return e2eTarget() === 'vercel-output';
}

/** The server command line (after the node binary) for E2E_TARGET. */
function targetArgs(): { name: string; args: string[] } {
  const target = e2eTarget();
  if (target === 'vercel-output') {
    const output = path.resolve(ROOT, process.env.E2E_VERCEL_OUTPUT ?? '.vercel/output');
    return {
      name: `Vercel output server (${output})`,
      args: ['--import', 'tsx', 'scripts/serve-vercel-output.ts', output],
    };
  }
  if (target === 'prod') return { name: 'production server', args: ['dist/scripts/start.js'] };
  return { name: 'dev server', args: ['--import', 'tsx', 'scripts/dev-server.ts'] };
}
export interface TestServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (changes after restart()). */
  readonly url: string;
  /** Stops the process and starts a new one on the same storage (and the same extra env). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Everything the process wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  /** Exit codes of the processes stopped so far (null when killed by a signal). */
  exitCodes(): (number | null)[];
  /** False once the current process has exited on its own (or was stopped). */
  running(): boolean;
}

/** Variables the parent test process may carry that must not leak into the server's config. */
const STRIPPED = [
  'DATABASE_URL',
  'DATA_DIR',
  'VERCEL',
  'PORT',
  'USAGE_LIMITS',
  'COOKIE_SECURE',
  'COOKIE_SAME_SITE',
  'CORS_ORIGINS',
];

function childEnv(storageEnv: Record<string, string>, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of STRIPPED) delete env[name];
  return {
    ...env,
    PORT: '0',
    LOG_LEVEL: 'silent',
    PASSWORD_SCRYPT_LOG_N: '10',
    NODE_ENV: 'test',
    ...storageEnv,
    ...extra,
  };
}

interface Spawned {
  child: ChildProcess;
  url: string;
}

function spawnServer(env: NodeJS.ProcessEnv, log: string[]): Promise<Spawned> {
  const target = targetArgs();
  const child = spawn(process.execPath, target.args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${target.name} did not start within ${START_TIMEOUT_MS} ms:\n${log.join('')}`));
    }, START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      log.push(chunk.toString());
      stdout += chunk.toString();
      const match = /listening on http:\/\/localhost:(\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${match[1]}` });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => void log.push(chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${target.name} exited (code ${code}, signal ${signal}) before listening:\n${log.join('')}`));
    });
  });
}

/** Starts the E2E_TARGET server on `backend.env` storage (DATABASE_URL or DATA_DIR), plus `extraEnv`. */
export async function startTestServer(
  backend: { env: Record<string, string> },
  extraEnv: Record<string, string> = {},
): Promise<TestServer> {
  const log: string[] = [];
  const env = childEnv(backend.env, extraEnv);
  const exits: (number | null)[] = [];
  let current = await spawnServer(env, log);
  let stopped = false;
  return {
    get url() {
      return current.url;
    },
    async restart() {
      exits.push(await stopChild(current.child, STOP_TIMEOUT_MS));
      current = await spawnServer(env, log);
      stopped = false;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      exits.push(await stopChild(current.child, STOP_TIMEOUT_MS));
      // The server's last-resort handlers report what should never happen: fail the test file.
      const line = log
        .join('')
        .split('\n')
        .find((l) => LAST_RESORT.some((m) => l.includes(`"msg":"${m}"`)));
      if (line !== undefined) throw new Error(`the server logged a last-resort event:\n${line}`);
    },
    output: () => log.join(''),
    exitCodes: () => [...exits],
    running: () => current.child.exitCode === null && current.child.signalCode === null,
  };
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, the text otherwise, undefined when empty. */
  body: T;
}

export interface ApiOptions {
  /** Sent as JSON with Content-Type: application/json. */
  json?: unknown;
  /** Sent as-is (set Content-Type yourself in headers). */
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Adds `Authorization: Bearer <token>`. */
  token?: string;
}

export type ApiClient = <T = unknown>(method: string, path: string, options?: ApiOptions) => Promise<ApiResponse<T>>;

/** A fetch helper bound to a base URL. */
export function api(baseUrl: string): ApiClient {
  return async <T>(method: string, urlPath: string, options: ApiOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let body: string | Uint8Array | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(new URL(urlPath, baseUrl), { method, headers, body });
    const text = await res.text();
    const isJson = (res.headers.get('content-type') ?? '').includes('application/json');
    const parsed: unknown = text === '' ? undefined : isJson ? JSON.parse(text) : text;
    return { status: res.status, headers: res.headers, body: parsed as T };
  };
}
