/**
 * npm run bench:json -- [--quick] [--rounds N] [--no-build] [--keep]
 *
 * The JSON store at 100 and at 10,000 conversations × 10 messages (issue 13): generates each
 * store as files, starts the compiled production server (dist/scripts/start.js, no DATABASE_URL)
 * on it and times, over HTTP: append, append with Idempotency-Key, the list right after a write,
 * search and get; then a second server on the same directory (cross-process freshness is checked
 * on every sample). Prints median/p99 per size and the 10k/100 ratios against the 1.5× target,
 * and search against 100 ms. The 10k store is measured with one user and with 100 users.
 */
import { spawn } from 'node:child_process';
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

async function sample(scenario: Scenario, rounds: number): Promise<number[]> {
  await scenario.run(-1); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < rounds; i++) ms.push(await scenario.run(i));
  return ms.sort((a, b) => a - b);
}

async function measureStore(label: string, store: BenchStore, rounds: number): Promise<Measured[]> {
  const a = await start(`${label} A`, store.dir);
  const b = await start(`${label} B`, store.dir);
  const ca = new Client(a.url, store.token);
  const cb = new Client(b.url, store.token);
  try {
    // The first request opens the store (v1 → v2 upgrade) and fills the caches: not measured.
    const opened = performance.now();
    await ca.expect(200, 'GET', '/api/conversations?limit=20');
    await cb.expect(200, 'GET', '/api/conversations?limit=20');
    progress(`${label}: opened (upgrade + first list) in ${(performance.now() - opened).toFixed(0)} ms`);
    const out: Measured[] = [];
    for (const s of [...scenarios(ca, store.conversationId), ...crossProcess(ca, cb)]) {
      out.push({ store: label, scenario: s.name, ms: await sample(s, rounds) });
      progress(`${label}: ${s.name} done`);
    }
    return out;
  } finally {
    ca.close();
    cb.close();
    await Promise.all([a.stop(), b.stop()]);
  }
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
  const rounds = intFlag(args.values.rounds, 'rounds', quick ? 15 : 100);
  if (args.values['no-build'] !== true) await build();
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
  const results: Measured[] = [];
  for (const size of sizes) {
    progress(`generating ${size.label} (${size.conversations} conversations, ${size.users} user(s)) …`);
    const store = await makeStore(size.conversations, size.users);
    try {
      results.push(...(await measureStore(size.label, store, rounds)));
    } finally {
      if (args.values.keep === true) progress(`kept ${store.dir}`);
      else await rm(store.dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(report(results, rounds));
  return 0;
}

runScript(main);
