/**
 * npm run bench -- [--quick] [--seconds 10] [--concurrency 1,20] [--scenario name,…] [--no-build] [--keep]
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
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { migrate } from '../../db/migrate.js';
import { config } from '../../lib/config.js';
import { UsageError, numberFlag, parseCli, stringFlag } from '../../lib/cli-args.js';
import { runScript } from '../../lib/data-transfer/cli.js';
import { admin, withDatabase } from '../scratch-database.js';
import { measureTargets, type Timing } from './cells.js';
import type { RequestSpec } from './load.js';
import { pgbenchAvailable, runPgbench } from './pgbench.js';
import type { Server } from './processes.js';
import { BASELINE, VERCEL, table, verdict, type Cell } from './report.js';
import { scenarios, type Scenario } from './scenarios.js';
import { seed } from './seed.js';
import { shapeDifferences } from './shape.js';
import { VERCEL_OUTPUT, startTargets, vercelOutputPresent, type Targets } from './targets.js';

const USAGE =
  'usage: npm run bench -- [--quick] [--seconds 10] [--concurrency 1,20] [--scenario name,…] [--no-build] [--keep]';
const startedAt = performance.now();
const progress = (line: string): void =>
  void process.stderr.write(`bench (${((performance.now() - startedAt) / 1000).toFixed(1)} s): ${line}\n`);

interface Plan extends Timing {
  quick: boolean;
  /** Bare node:http needs no warm-up worth the name and far less time to give a stable rate. */
  bareSeconds: number;
  concurrencies: number[];
  sizes: { conversations: number; searchMessages: number };
}

/** `npm run build`, run while the database is migrated and seeded. */
function build(): Promise<void> {
  progress('npm run build …');
  const child = spawn(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm run build failed (exit ${code ?? 'signal'})`)),
    );
  });
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

/** The API's answer's size (the bare server answers as many bytes) and how each other target's differs. */
async function compareAnswers(s: Scenario, servers: Server[]): Promise<{ bytes: number; notes: string[] }> {
  const answers = [];
  for (const [i, server] of servers.entries()) {
    const spec = s.request(-1 - i);
    answers.push(await answer(server.url, server.rewrite ? server.rewrite(spec) : spec));
  }
  const first = answers[0]!;
  const notes = answers.map((a, i) => {
    if (i === 0) return `${a.bytes} bytes`;
    const diff = shapeDifferences(first.json, a.json);
    return `${a.bytes} bytes, ${diff.length === 0 ? 'same JSON shape' : `SHAPE DIFFERS: ${diff.slice(0, 3).join(', ')}`}`;
  });
  return { bytes: first.bytes, notes };
}

async function scenarioCells(s: Scenario, c: number, targets: Targets, dbUrl: string, plan: Plan): Promise<Cell[]> {
  // Measured against each other, interleaved: Threadbase's targets, then the baseline.
  const servers = [targets.threadbase];
  if (targets.functions) servers.push(await targets.functions.serverFor(s.request(0)));
  servers.push(targets.baseline);
  const { bytes, notes } = await compareAnswers(s, servers);
  const measured = await measureTargets(servers, s.request, { status: s.status, concurrency: c }, plan);
  const cells = measured.map((cell, i) => withNote(cell, notes[i]!));
  const bareTiming = { seconds: plan.bareSeconds, warmupSeconds: 0.1, rounds: 1 };
  const bareRequest = (): RequestSpec => ({ method: 'GET', path: `/?bytes=${bytes}` });
  const [bareCell] = await measureTargets([targets.bare], bareRequest, { status: 200, concurrency: c }, bareTiming);
  cells.push(withNote(bareCell!, `${bytes} bytes`));
  if (pgbenchAvailable()) {
    // --quick: about as many transactions as the baseline served (pgbench is faster), not a 1 s minimum.
    const base = cells.find((x) => x.target === BASELINE)?.rps ?? 100;
    const transactions = plan.quick ? Math.max(10, (base * plan.seconds) / c) : undefined;
    const p = await runPgbench(dbUrl, s.pgbench, { concurrency: c, seconds: Math.ceil(plan.seconds), transactions });
    cells.push({ target: 'pgbench (same SQL)', rps: p.tps, note: `mean latency ${p.latencyMs.toFixed(2)} ms` });
  } else cells.push({ target: 'pgbench', rps: NaN, note: 'pgbench is not on PATH: not measured' });
  return cells;
}

function planOf(quick: boolean, seconds: number, concurrency: string): Plan {
  const concurrencies = concurrency.split(',').map((v) => Number(v.trim()));
  if (concurrencies.some((v) => !Number.isInteger(v) || v < 1)) throw new UsageError(`bad --concurrency\n${USAGE}`);
  return quick
    ? {
        quick,
        seconds,
        warmupSeconds: 0.2,
        rounds: 2,
        bareSeconds: 0.3,
        concurrencies,
        sizes: { conversations: 30, searchMessages: 90 },
      }
    : {
        quick,
        seconds,
        warmupSeconds: 2,
        warmupRequests: 2000,
        warmupMaxSeconds: 15,
        rounds: 4,
        bareSeconds: 3,
        concurrencies,
        sizes: { conversations: 200, searchMessages: 2000 },
      };
}

async function measure(targets: Targets, dbUrl: string, plan: Plan, list: Scenario[]): Promise<void> {
  for (const s of list) {
    const byConcurrency = new Map<number, Cell[]>();
    for (const [n, c] of plan.concurrencies.entries()) {
      progress(`${s.name}, concurrency ${c} …`);
      // The request-count warm-up once per scenario: its next concurrency runs the same code.
      const timing = n === 0 ? plan : { ...plan, warmupRequests: undefined };
      const cells = await scenarioCells(s, c, targets, dbUrl, timing);
      byConcurrency.set(c, cells);
      process.stdout.write(
        `${table(`${s.name} — concurrency ${c}, ${plan.seconds} s per server in ${plan.rounds} interleaved rounds after a warm-up of ${timing.warmupSeconds} s${timing.warmupRequests ? ` and ≥ ${timing.warmupRequests} requests (≤ ${timing.warmupMaxSeconds} s)` : ''} each (bare ${plan.bareSeconds} s${plan.quick ? '' : `, pgbench ${Math.ceil(plan.seconds)} s`})`, cells)}\n\n`,
      );
    }
    process.stdout.write(`${verdict(s.name, byConcurrency)}\n\n`);
  }
}

/** `--scenario a,b`: only the scenarios named (all by default). */
function chosen(all: Scenario[], flag: unknown): Scenario[] {
  if (typeof flag !== 'string') return all;
  const names = flag.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0)
    throw new UsageError(
      `no scenario ${unknown.map((n) => `"${n}"`).join(', ')}; one of: ${all.map((s) => `"${s.name}"`).join(', ')}`,
    );
  return all.filter((s) => names.includes(s.name));
}

async function main(): Promise<number> {
  const args = parseCli(
    process.argv.slice(2),
    {
      quick: { type: 'boolean' },
      seconds: { type: 'string' },
      concurrency: { type: 'string' },
      scenario: { type: 'string' },
      'no-build': { type: 'boolean' },
      keep: { type: 'boolean' },
    },
    USAGE,
  );
  if (args.values.help) return (process.stdout.write(`${USAGE}\n`), 0);
  const quick = Boolean(args.values.quick);
  const plan = planOf(
    quick,
    numberFlag(args.values.seconds, 'seconds', quick ? 0.6 : 10),
    stringFlag(args.values.concurrency, '1,20'),
  );
  const built = !args.values['no-build'] || !existsSync('dist/scripts/start.js') ? build() : Promise.resolve();
  const serverUrl = config().benchDatabaseUrl;
  const name = `threadbase_bench_api_${randomBytes(4).toString('hex')}`;
  const dbUrl = withDatabase(serverUrl, name);
  let targets: Targets | undefined;
  try {
    progress(`database ${name} on ${new URL(serverUrl).host}: migrate, seed …`);
    await admin(serverUrl, `create database "${name}"`);
    await migrate(dbUrl);
    const data = await seed(dbUrl, plan.sizes);
    progress('seeded; waiting for the build, starting the servers …');
    await built;
    const withVercel = vercelOutputPresent();
    if (!withVercel)
      progress(`no ${VERCEL_OUTPUT}: the built Vercel function is not measured (run \`vercel build\` first)`);
    targets = await startTargets(dbUrl, withVercel);
    await measure(targets, dbUrl, plan, chosen(scenarios(data), args.values.scenario));
    process.stdout.write(
      withVercel
        ? `${VERCEL}: ${VERCEL_OUTPUT} as of its last \`vercel build\`; each request sent straight to the process of the function serving its route (imported and served as the platform's Node.js runtime does, scripts/vercel-output/platform-launcher.mjs, not through @vercel/node's dev launcher), its URL rewritten by config.json's routes; CPU of that process\n`
        : `built Vercel function: not measured (no ${VERCEL_OUTPUT}; \`vercel build\` makes it, see scripts/ci/vercel-build-and-e2e.sh)\n`,
    );
    process.stdout.write(`whole run: ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    await targets?.stop();
    if (!args.values.keep) await admin(serverUrl, `drop database if exists "${name}" with (force)`);
    else progress(`kept database ${dbUrl}`);
  }
}

runScript(main);
