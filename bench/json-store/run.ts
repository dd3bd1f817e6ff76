/**
 * npm run bench:json -- [--quick] [--rounds N] [--no-build] [--keep]
 *
 * The JSON store at 100 and at 10,000 conversations × 10 messages (issue 13): generates each
 * store as files, starts the compiled production server (dist/scripts/start.js, no DATABASE_URL)
 * on it (two servers per store, sharing its directory) and times, over HTTP: append, append with
 * Idempotency-Key, the list right after a write, search and get, and across the two servers
 * (cross-process freshness is checked on every sample). All stores are measured in alternating
 * rounds, so the ratios compare samples taken under the same load. Prints median/p99 per size and the 10k/100 ratios against the 1.5× target,
 * and search against 100 ms. The 10k store is measured with one user and with 100 users.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { UsageError, intFlag, parseCli } from '../../lib/cli-args.js';
import { runScript } from '../../lib/data-transfer/cli.js';
import { BENCH_USAGE_LIMITS } from '../api/scenarios.js';
import { startServer, type Server } from '../api/processes.js';
import { Client } from './client.js';
import { report, type Measured } from './report.js';
import { crossProcess, scenarios, type Scenario } from './scenarios.js';
import { makeStore, type BenchStore } from './stores.js';

const USAGE = 'usage: npm run bench:json -- [--quick] [--rounds N] [--no-build] [--keep]';
const t0 = performance.now();
const progress = (line: string): void =>
  void process.stderr.write(`bench:json (${((performance.now() - t0) / 1000).toFixed(1)} s): ${line}\n`);

function build(): Promise<void> {
  progress('npm run build …');
  const child = spawn(process.execPath, ['scripts/build.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`npm run build failed (${code})`))));
  });
}

function start(name: string, dir: string): Promise<Server> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of ['DATABASE_URL', 'VERCEL', 'CORS_ORIGINS', 'PORT']) delete env[v];
  Object.assign(env, {
    DATA_DIR: dir,
    PORT: '0',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    USAGE_LIMITS: JSON.stringify(BENCH_USAGE_LIMITS),
  });
  // BENCH_JSON_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it stops.
  const prof = process.env.BENCH_JSON_CPU_PROF;
  const flags = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  return startServer(name, [...flags, 'dist/scripts/start.js'], env);
}

interface Running {
  label: string;
  servers: Server[];
  clients: Client[];
  scenarios: Scenario[];
}

async function open(label: string, store: BenchStore): Promise<Running> {
  const servers = await Promise.all([start(`${label} A`, store.dir), start(`${label} B`, store.dir)]);
  const [ca, cb] = servers.map((s) => new Client(s.url, store.token)) as [Client, Client];
  // The first request opens the store and fills the caches (a full scan): not measured.
  const opened = performance.now();
  await Promise.all([ca, cb].map((c) => c.expect(200, 'GET', '/api/conversations?limit=20')));
  progress(`${label}: opened (first list, a full scan) in ${(performance.now() - opened).toFixed(0)} ms`);
  return {
    label,
    servers,
    clients: [ca, cb],
    scenarios: [...scenarios(ca, store.conversationId), ...crossProcess(ca, cb)],
  };
}

async function close(running: Running): Promise<void> {
  for (const client of running.clients) client.close();
  await Promise.all(running.servers.map((s) => s.stop()));
}

/**
 * Every scenario on every store, in alternating rounds (one sample per store in turn), so that
 * a change of the machine's load during the run weighs on all sizes alike and the ratios hold.
 */
async function measure(stores: Running[], rounds: number): Promise<Measured[]> {
  const out: Measured[] = [];
  for (let s = 0; s < stores[0]!.scenarios.length; s++) {
    const cells = stores.map((r) => ({ store: r.label, scenario: r.scenarios[s]!, ms: [] as number[] }));
    for (const cell of cells) await cell.scenario.run(-1); // warm-up
    for (let i = 0; i < rounds; i++) for (const cell of cells) cell.ms.push(await cell.scenario.run(i));
    for (const cell of cells)
      out.push({ store: cell.store, scenario: cell.scenario.name, ms: cell.ms.sort((a, b) => a - b) });
    progress(`${cells[0]!.scenario.name} done`);
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseCli(
    process.argv.slice(2),
    {
      quick: { type: 'boolean' },
      rounds: { type: 'string' },
      'no-build': { type: 'boolean' },
      keep: { type: 'boolean' },
    },
    USAGE,
  );
  if (args.positionals.length > 0) throw new UsageError(USAGE);
  const quick = args.values.quick === true;
  const rounds = intFlag(args.values.rounds, 'rounds', quick ? 7 : 100);
  // Built while the stores are generated; --no-build still builds when there is no dist/.
  const built = args.values['no-build'] !== true || !existsSync('dist/scripts/start.js') ? build() : Promise.resolve();
  built.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  const sizes = quick
    ? [
        { label: '100', conversations: 100, users: 1 },
        { label: '10k', conversations: 10_000, users: 1 },
      ]
    : [
        { label: '100', conversations: 100, users: 1 },
        { label: '10k', conversations: 10_000, users: 1 },
        { label: '10k/100 users', conversations: 10_000, users: 100 },
      ];
  const stores: BenchStore[] = [];
  const running: Running[] = [];
  try {
    for (const size of sizes) {
      progress(`generating ${size.label} (${size.conversations} conversations, ${size.users} user(s)) …`);
      stores.push(await makeStore(size.conversations, size.users));
    }
    await built;
    for (const [i, size] of sizes.entries()) running.push(await open(size.label, stores[i]!));
    const results = await measure(running, rounds);
    process.stdout.write(report(results, rounds));
  } finally {
    await Promise.all(running.map(close));
    for (const store of stores) {
      if (args.values.keep === true) progress(`kept ${store.dir}`);
      else await rm(store.dir, { recursive: true, force: true });
    }
  }
  return 0;
}

runScript(main);
