/**
 * What the benchmark starts: the compiled production server, the built Vercel functions (when
 * .vercel/output exists: each request sent straight to its function's process, started as the
 * platform's runtime starts it — not through @vercel/node's dev launcher, whose forwarding of
 * every request through undici to a second server was most of the function's CPU, nor through
 * our local router; see function-target.ts), the hand-written baseline and bare node:http, all on
 * the scratch database.
 */
import { existsSync } from 'node:fs';
import { startFunctionTarget, type FunctionTarget } from './function-target.js';
import { startServer, type Server } from './processes.js';
import { BASELINE, THREADBASE, VERCEL } from './report.js';
import { BENCH_USAGE_LIMITS } from './scenarios.js';

export const VERCEL_OUTPUT = '.vercel/output';

export interface Targets {
  threadbase: Server;
  /** The built functions; undefined without .vercel/output. */
  functions: FunctionTarget | undefined;
  baseline: Server;
  bare: Server;
  stop(): Promise<void>;
}

/** The environment the servers get: none of the caller's storage or CORS settings. */
function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATA_DIR', 'VERCEL', 'CORS_ORIGINS', 'DATABASE_PREPARE', 'PORT'])
    delete env[name];
  return { ...env, ...extra };
}

export async function startTargets(dbUrl: string, withVercel: boolean): Promise<Targets> {
  const tsx = ['--import', 'tsx'];
  const appEnv = serverEnv({
    PORT: '0',
    DATABASE_URL: dbUrl,
    DATABASE_POOL_MAX: '3',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    USAGE_LIMITS: JSON.stringify(BENCH_USAGE_LIMITS),
  });
  const started = await Promise.allSettled([
    startServer(THREADBASE, ['dist/scripts/start.js'], appEnv),
    startServer(BASELINE, [...tsx, 'bench/api/baseline-server.ts', dbUrl], serverEnv({})),
    startServer('bare node:http', [...tsx, 'bench/api/bare-server.ts'], serverEnv({})),
  ]);
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stopServers = () => Promise.all(servers.map((s) => s.stop())).then(() => undefined);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopServers();
    throw new Error('a benchmark target did not start', { cause: failed.reason });
  }
  const [threadbase, baseline, bare] = servers as [Server, Server, Server];
  const functions = withVercel ? await startFunctionTarget(VERCEL, VERCEL_OUTPUT, appEnv) : undefined;
  return {
    threadbase,
    functions,
    baseline,
    bare,
    stop: () => Promise.all([stopServers(), functions?.stop()]).then(() => undefined),
  };
}

export const vercelOutputPresent = (): boolean => existsSync(`${VERCEL_OUTPUT}/functions`);
