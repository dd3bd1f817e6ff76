/**
 * npm run bench -- [--quick] [--seconds 10] [--concurrency 1,20] [--no-build] [--keep]
 *
 * The API benchmark (issue 13). Builds and starts what it measures — the compiled production
 * server (dist/scripts/start.js, pool of 3) — and in the same run its baselines: a hand-written
 * node:http + postgres.js server running the same SQL (bench/api/baseline-server.ts), bare
 * node:http answering a body of the same size (bench/api/bare-server.ts), and pgbench on the same
 * SQL. Every scenario at every concurrency prints req/s, p50/p99, the server's CPU per request and
 * the ratios to the hand-written server. The data lives in a scratch database created on
 * BENCH_DATABASE_URL's server, migrated, seeded through the Store and dropped at the end.
 * `--quick` finishes in about a minute (1 s per cell, smaller seed); never part of `npm test`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { migrate } from '../../db/migrate.js';
import { config } from '../../lib/config.js';
import { UsageError, numberFlag, parseCli, stringFlag } from '../../lib/cli-args.js';
import { runScript } from '../../lib/data-transfer/cli.js';
import { quantile, runLoad, type RequestSpec } from './load.js';
import { pgbenchAvailable, runPgbench } from './pgbench.js';
import { cpuSeconds, startServer, type Server } from './processes.js';
import { BASELINE, THREADBASE, table, verdict, type Cell } from './report.js';
import { BENCH_USAGE_LIMITS, scenarios, type Scenario } from './scenarios.js';
import { seed } from './seed.js';
import { shapeDifferences } from './shape.js';

const USAGE = 'usage: npm run bench -- [--quick] [--seconds 10] [--concurrency 1,20] [--no-build] [--keep]';
const progress = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

interface Plan {
  /** Measured seconds per HTTP cell (pgbench: rounded up to whole seconds). */
  seconds: number;
  warmupSeconds: number;
  /** Bare node:http needs no warm-up worth the name and far less time to give a stable rate. */
  bareSeconds: number;
  concurrencies: number[];
  sizes: { conversations: number; searchMessages: number };
}

function withDatabase(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(serverUrl: string, statement: string): Promise<void> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => undefined });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function build(): void {
  progress('npm run build …');
  const result = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`npm run build failed (exit ${result.status})`);
}

/** The environment the servers get: none of the caller's storage or CORS settings. */
function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATA_DIR', 'VERCEL', 'CORS_ORIGINS', 'DATABASE_PREPARE']) delete env[name];
  return { ...env, ...extra };
}

async function startServers(url: string): Promise<Server[]> {
  const tsx = ['--import', 'tsx'];
  return Promise.all([
    startServer(
      THREADBASE,
      ['dist/scripts/start.js'],
      serverEnv({
        PORT: '0',
        DATABASE_URL: url,
        DATABASE_POOL_MAX: '3',
        LOG_LEVEL: 'silent',
        NODE_ENV: 'production',
        USAGE_LIMITS: JSON.stringify(BENCH_USAGE_LIMITS),
      }),
    ),
    startServer(BASELINE, [...tsx, 'bench/api/baseline-server.ts', url], serverEnv({})),
    startServer('bare node:http', [...tsx, 'bench/api/bare-server.ts'], serverEnv({})),
  ]);
}

/** One HTTP cell: warm-up, then `seconds` of load, with the server's CPU over the measured part. */
async function httpCell(
  server: Server,
  next: (i: number) => RequestSpec,
  status: number,
  concurrency: number,
  timing: { seconds: number; warmupSeconds: number },
): Promise<Cell> {
  await runLoad(server.url, next, { concurrency, seconds: timing.warmupSeconds, status });
  const cpu0 = cpuSeconds(server.pid);
  const r = await runLoad(server.url, next, { concurrency, seconds: timing.seconds, status });
  const cpu = cpuSeconds(server.pid) - cpu0;
  return {
    target: server.name,
    rps: r.requests / r.seconds,
    p50Ms: quantile(r.latencies, 0.5),
    p99Ms: quantile(r.latencies, 0.99),
    cpuMs: r.requests > 0 ? (cpu * 1000) / r.requests : undefined,
    errors: r.errors,
    note: r.firstError ? `first error: ${r.firstError.slice(0, 120)}` : undefined,
  };
}

const withNote = (cell: Cell, note: string): Cell => ({
  ...cell,
  note: [note, cell.note].filter(Boolean).join('; '),
});

async function answer(url: string, spec: RequestSpec): Promise<{ bytes: number; json: unknown }> {
  const res = await fetch(new URL(spec.path, url), { method: spec.method, headers: spec.headers, body: spec.body });
  const text = await res.text();
  return { bytes: Buffer.byteLength(text), json: JSON.parse(text) as unknown };
}

/** The API's answer's size (the bare server answers as many bytes) and how the baseline's differs. */
async function compareAnswers(s: Scenario, threadbase: Server, baseline: Server) {
  const ours = await answer(threadbase.url, s.request(-1));
  const theirs = await answer(baseline.url, s.request(-2));
  const diff = shapeDifferences(ours.json, theirs.json);
  const shape = diff.length === 0 ? 'same JSON shape' : `SHAPE DIFFERS: ${diff.slice(0, 3).join(', ')}`;
  return { bytes: ours.bytes, baselineNote: `${theirs.bytes} bytes, ${shape}` };
}

async function scenarioCells(s: Scenario, c: number, servers: Server[], dbUrl: string, plan: Plan): Promise<Cell[]> {
  const [threadbase, baseline, bare] = servers as [Server, Server, Server];
  const { bytes, baselineNote } = await compareAnswers(s, threadbase, baseline);
  const cells = [
    withNote(await httpCell(threadbase, s.request, s.status, c, plan), `${bytes} bytes`),
    withNote(await httpCell(baseline, s.request, s.status, c, plan), baselineNote),
  ];
  const bareTiming = { seconds: plan.bareSeconds, warmupSeconds: 0.1 };
  const bareCell = await httpCell(bare, () => ({ method: 'GET', path: `/?bytes=${bytes}` }), 200, c, bareTiming);
  cells.push(withNote(bareCell, `${bytes} bytes`));
  if (pgbenchAvailable()) {
    const p = await runPgbench(dbUrl, s.pgbench, { concurrency: c, seconds: Math.ceil(plan.seconds) });
    cells.push({ target: 'pgbench (same SQL)', rps: p.tps, note: `mean latency ${p.latencyMs.toFixed(2)} ms` });
  } else cells.push({ target: 'pgbench', rps: NaN, note: 'pgbench is not on PATH: not measured' });
  return cells;
}

function planOf(quick: boolean, seconds: number, concurrency: string): Plan {
  const concurrencies = concurrency.split(',').map((v) => Number(v.trim()));
  if (concurrencies.some((v) => !Number.isInteger(v) || v < 1)) throw new UsageError(`bad --concurrency\n${USAGE}`);
  return quick
    ? { seconds, warmupSeconds: 0.2, bareSeconds: 0.5, concurrencies, sizes: { conversations: 30, searchMessages: 90 } }
    : { seconds, warmupSeconds: 2, bareSeconds: 3, concurrencies, sizes: { conversations: 200, searchMessages: 2000 } };
}

async function measure(servers: Server[], dbUrl: string, plan: Plan, list: Scenario[]): Promise<void> {
  for (const s of list) {
    const byConcurrency = new Map<number, Cell[]>();
    for (const c of plan.concurrencies) {
      progress(`${s.name}, concurrency ${c} …`);
      const cells = await scenarioCells(s, c, servers, dbUrl, plan);
      byConcurrency.set(c, cells);
      process.stdout.write(
        `${table(`${s.name} — concurrency ${c}, ${plan.seconds} s per server (bare ${plan.bareSeconds} s, pgbench ${Math.ceil(plan.seconds)} s)`, cells)}\n\n`,
      );
    }
    process.stdout.write(`${verdict(s.name, byConcurrency)}\n\n`);
  }
}

async function main(): Promise<number> {
  const args = parseCli(
    process.argv.slice(2),
    {
      quick: { type: 'boolean' },
      seconds: { type: 'string' },
      concurrency: { type: 'string' },
      'no-build': { type: 'boolean' },
      keep: { type: 'boolean' },
    },
    USAGE,
  );
  if (args.values.help) return (process.stdout.write(`${USAGE}\n`), 0);
  const quick = Boolean(args.values.quick);
  const plan = planOf(
    quick,
    numberFlag(args.values.seconds, 'seconds', quick ? 0.8 : 10),
    stringFlag(args.values.concurrency, '1,20'),
  );
  const started = performance.now();
  if (!args.values['no-build'] || !existsSync('dist/scripts/start.js')) build();
  const serverUrl = config().benchDatabaseUrl;
  const name = `threadbase_bench_api_${randomBytes(4).toString('hex')}`;
  const dbUrl = withDatabase(serverUrl, name);
  let servers: Server[] = [];
  try {
    progress(`database ${name} on ${new URL(serverUrl).host}: migrate, seed …`);
    await admin(serverUrl, `create database "${name}"`);
    await migrate(dbUrl);
    const data = await seed(dbUrl, plan.sizes);
    servers = await startServers(dbUrl);
    await measure(servers, dbUrl, plan, scenarios(data));
    process.stdout.write(
      'built Vercel function: not measured (this harness does not yet drive scripts/serve-vercel-output.ts; ' +
        'cold starts: scripts/ci/vercel-cold-start.ts)\n',
    );
    process.stdout.write(`whole run: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    if (!args.values.keep) await admin(serverUrl, `drop database if exists "${name}" with (force)`);
    else progress(`kept database ${dbUrl}`);
  }
}

runScript(main);
