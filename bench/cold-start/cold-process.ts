/**
 * One cold start: spawns `node scripts/vercel-output/platform-launcher.mjs` for a function, sends it one
 * request over node:http as soon as it listens, and returns when each step ended, from the
 * moment just before the spawn to the last byte of the response. The process is then killed: a
 * fresh one serves the next sample.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { stopChild } from '../../lib/process/stop-child.js';
import { PLATFORM_LAUNCHER, platformLauncherEnv } from '../../scripts/vercel-output/functions.js';

const TIMEOUT_MS = 30_000;
const wall = (): number => performance.timeOrigin + performance.now();

/** Where a function's code is and how Vercel's launcher would load it. */
export interface ColdFunction {
  /** The directory the process runs in (a `.func` directory, or the project for dist/). */
  dir: string;
  /** Absolute path of the handler file; '' for the empty handler (node + node:http alone). */
  handler: string;
  helpers: boolean;
  /** The function's own environment (`.vc-config.json` environment). */
  environment: Record<string, string>;
}

export interface ColdRequest {
  path: string;
  headers: Record<string, string>;
}

/** Milliseconds, each from the end of the step before; `total` is spawn → last response byte. */
export interface Sample {
  total: number;
  nodeStartup: number;
  handlerImport: number;
  listen: number;
  request: number;
  /** Request arrived → the database socket was asked for (backend import, store set-up, auth parsing). */
  beforeDb?: number;
  tcpConnect?: number;
  /** TCP connected → response finished: start-up, authentication, type fetch, the queries. */
  dbWork?: number;
  roundTrips?: number;
}

const listening = z.object({ entered: z.number(), imported: z.number(), listening: z.number(), port: z.number() });
const answered = z.object({
  arrived: z.number(),
  finished: z.number(),
  db: z.object({ requested: z.number().optional(), connected: z.number().optional(), roundTrips: z.number() }),
});

/** The JSON lines the process writes on fd 3, in order. */
function reports(child: ChildProcess): AsyncIterator<unknown> {
  const fd3 = child.stdio[3] as Readable;
  fd3.setEncoding('utf8');
  async function* lines(): AsyncGenerator<unknown> {
    let buffered = '';
    for await (const chunk of fd3) {
      buffered += chunk as string;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        yield JSON.parse(buffered.slice(0, nl)) as unknown;
        buffered = buffered.slice(nl + 1);
      }
    }
  }
  return lines();
}

async function next(iterator: AsyncIterator<unknown>, output: () => string): Promise<unknown> {
  const item = await iterator.next();
  if (item.done) throw new Error(`the function process ended before reporting:\n${output()}`);
  return item.value;
}

/** GET over node:http (no fetch: the parent's first fetch() would load undici inside the timing). */
export function getOnce(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function sampleOf(spawned: number, done: number, up: z.infer<typeof listening>, a: z.infer<typeof answered>): Sample {
  const { requested, connected, roundTrips } = a.db;
  return {
    total: done - spawned,
    nodeStartup: up.entered - spawned,
    handlerImport: up.imported - up.entered,
    listen: up.listening - up.imported,
    request: a.finished - a.arrived,
    ...(requested !== undefined && connected !== undefined
      ? {
          beforeDb: requested - a.arrived,
          tcpConnect: connected - requested,
          dbWork: a.finished - connected,
          roundTrips,
        }
      : {}),
  };
}

/** One fresh process, one request; rejects unless it answers 200. */
export async function coldStart(
  node: string,
  fn: ColdFunction,
  env: NodeJS.ProcessEnv,
  req: ColdRequest,
): Promise<Sample> {
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    ...fn.environment,
    ...platformLauncherEnv(fn.handler, fn.helpers),
  };
  // Plain node, as on the platform: none of the parent's loaders (tsx).
  delete childEnv.NODE_OPTIONS;
  let output = '';
  const spawned = wall();
  const child = spawn(node, [PLATFORM_LAUNCHER], {
    cwd: fn.dir,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  try {
    const lines = reports(child);
    const up = listening.parse(await next(lines, () => output));
    const res = await getOnce(`http://127.0.0.1:${up.port}${req.path}`, req.headers);
    const done = wall();
    if (res.status !== 200) throw new Error(`${req.path} answered ${res.status}: ${res.body}\n${output}`);
    return sampleOf(spawned, done, up, answered.parse(await next(lines, () => output)));
  } finally {
    clearTimeout(timer);
    await stopChild(child, 0);
  }
}
