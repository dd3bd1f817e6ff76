/**
 * npm run bench:cold -- [--quick] [--runs 5] [--node <path>] [--dist] [--no-dev-launcher] [--output .vercel/output]
 *
 * Cold start of a built function (issue 13): for each case, `--runs` fresh processes, each timed
 * from just before its spawn to the last byte of its first response, median reported with every
 * run and the median of each step (node start-up, the handler's import, listening, the request;
 * on PostgreSQL the request split at the database socket). A process is started the way Vercel's
 * Node.js runtime starts a function (scripts/vercel-output/platform-launcher.mjs): plain node in the function's
 * directory, the `.vc-config.json` handler imported, Vercel's request helpers when it asks for
 * them, node:http. What is measured is the function's own cold start: Vercel's launcher itself and
 * the platform's routing are not in it. Cases: an empty handler (node + node:http, the floor), GET
 * /api/health on the JSON store, and GET /api/health, authenticated GET /api/me and GET
 * /api/conversations on PostgreSQL (a scratch database on BENCH_DATABASE_URL's server, dropped at the end). Functions
 * come from .vercel/output (`vercel build`), else from `npm run build`'s dist/ (labelled so). With
 * .vercel/output the older figure through @vercel/node's dev launcher follows, labelled as such.
 * One unrecorded warm-up round first; cases alternate round by round. The target (≤ 200 ms
 * to the first PostgreSQL response) is checked for each PostgreSQL case and recorded for
 * `npm run bench`'s summary. `--quick`: 3 runs and no dev-launcher figure. Never part of `npm test`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { config } from '../../lib/config.js';
import { intFlag, parseCli, stringFlag } from '../../lib/cli-args.js';
import { runScript } from '../../lib/data-transfer/cli.js';
import { seed } from '../api/seed.js';
import { createScratchDatabase } from '../scratch-database.js';
import { coldStart, type ColdFunction, type ColdRequest, type Sample } from './cold-process.js';
import { devLauncherStart, type DevLauncherSample } from './dev-launcher.js';
import { findSource, functionOf, outputFunctionOf, type Source } from './functions.js';
import { recordTarget } from '../summary.js';
import { devLauncherTable, median, table } from './report.js';

const USAGE =
  'usage: npm run bench:cold -- [--quick] [--runs 5] [--node <path>] [--dist] [--no-dev-launcher] [--output .vercel/output]';
/** Issue 13: a built function's fresh process to its first PostgreSQL response, median. */
const TARGET_MS = 200;
const PROJECT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const progress = (line: string): void => void process.stderr.write(`bench:cold: ${line}\n`);

interface Case {
  label: string;
  /** The function's file under the project, without extension; '' for the empty handler. */
  name: string;
  env: NodeJS.ProcessEnv;
  request: ColdRequest;
}

function cases(dataDir: string, databaseUrl: string, token: string): Case[] {
  const base: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', NODE_ENV: 'production' };
  for (const name of ['DATABASE_URL', 'DATABASE_MIGRATION_URL', 'DATA_DIR', 'VERCEL']) delete base[name];
  const json = { ...base, DATA_DIR: dataDir };
  const pg = { ...base, DATABASE_URL: databaseUrl };
  const auth = { authorization: `Bearer ${token}` };
  return [
    { label: 'empty handler (node + node:http)', name: '', env: base, request: { path: '/', headers: {} } },
    { label: 'json GET /api/health', name: 'api/health', env: json, request: { path: '/api/health', headers: {} } },
    { label: 'pg   GET /api/health', name: 'api/health', env: pg, request: { path: '/api/health', headers: {} } },
    { label: 'pg   GET /api/me', name: 'api/me', env: pg, request: { path: '/api/me', headers: auth } },
    {
      label: 'pg   GET /api/conversations',
      name: 'api/conversations/index',
      env: pg,
      request: { path: '/api/conversations?limit=20', headers: auth },
    },
  ];
}

const loadLine = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;

async function measure(node: string, source: Source, list: Case[], runs: number): Promise<Sample[][]> {
  const fns: ColdFunction[] = list.map((c) =>
    c.name === '' ? { dir: tmpdir(), handler: '', helpers: true, environment: {} } : functionOf(source, c.name),
  );
  const samples: Sample[][] = list.map(() => []);
  for (let round = 0; round <= runs; round++) {
    progress(round === 0 ? 'warm-up round (not counted) …' : `round ${round} of ${runs} …`);
    for (const [i, c] of list.entries()) {
      const sample = await coldStart(node, fns[i]!, c.env, c.request);
      if (round > 0) samples[i]!.push(sample);
    }
  }
  return samples;
}

async function measureDevLauncher(source: Source, list: Case[], runs: number): Promise<DevLauncherSample[][]> {
  const samples: DevLauncherSample[][] = list.map(() => []);
  for (let round = 0; round < runs; round++) {
    progress(`@vercel/node dev launcher, round ${round + 1} of ${runs} …`);
    for (const [i, c] of list.entries())
      samples[i]!.push(await devLauncherStart(outputFunctionOf(source, c.name)!, c.env, c.request));
  }
  return samples;
}

interface Options {
  runs: number;
  /** The node binary the functions run on. */
  node: string;
  source: Source;
  devLauncher: boolean;
}

async function options(): Promise<Options | undefined> {
  const args = parseCli(
    process.argv.slice(2),
    {
      quick: { type: 'boolean' },
      runs: { type: 'string' },
      node: { type: 'string' },
      dist: { type: 'boolean' },
      'no-dev-launcher': { type: 'boolean' },
      output: { type: 'string' },
    },
    USAGE,
  );
  if (args.values.help) return undefined;
  const outputDir = path.resolve(PROJECT, stringFlag(args.values.output, '.vercel/output'));
  const source = await findSource(PROJECT, outputDir, Boolean(args.values.dist));
  if (source.kind === 'dist' && !existsSync(path.join(source.root, 'api'))) {
    progress('no dist/api: npm run build …');
    execFileSync(process.execPath, [path.join(PROJECT, 'scripts/build.mjs')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const quick = Boolean(args.values.quick);
  return {
    runs: intFlag(args.values.runs, 'runs', quick ? 3 : 5),
    node: stringFlag(args.values.node, process.execPath),
    source,
    devLauncher: source.kind === 'vercel-output' && !quick && !args.values['no-dev-launcher'],
  };
}

async function printColdStarts(o: Options, list: Case[]): Promise<void> {
  const nodeVersion = execFileSync(o.node, ['--version'], { encoding: 'utf8' }).trim();
  const before = loadLine();
  const samples = await measure(o.node, o.source, list, o.runs);
  const title =
    `cold start, spawn → first complete response, median of ${o.runs} fresh processes (ms), functions on Node ${nodeVersion}\n` +
    `${o.source.label}\nlaunched like Vercel's Node.js runtime (scripts/vercel-output/platform-launcher.mjs); ${before}`;
  process.stdout.write(
    `${table(
      title,
      list.map((c, i) => ({ label: c.label, samples: samples[i]! })),
    )}\n`,
  );
  checkTarget(o, nodeVersion, list, samples);
}

/** Prints and records the ≤ 200 ms target for each PostgreSQL case. */
function checkTarget(o: Options, nodeVersion: string, list: Case[], samples: Sample[][]): void {
  const where = `${o.source.kind === 'dist' ? 'dist/' : '.vercel/output'}, Node ${nodeVersion}, median of ${o.runs}`;
  const lines = list.flatMap((c, i) => {
    if (!c.label.startsWith('pg')) return [];
    const ms = Math.round(median(samples[i]!.map((s) => s.total)));
    const met = ms <= TARGET_MS;
    const name = `${c.label.replace(/^pg\s+/, '')} cold start (${where})`;
    recordTarget({ section: 'cold-start', name, measured: `${ms} ms`, target: `≤ ${TARGET_MS} ms`, met });
    return [`  ${c.label.padEnd(28)} ${String(ms).padStart(5)} ms  ${met ? 'met' : 'NOT met'}`];
  });
  process.stdout.write(`target: first PostgreSQL response ≤ ${TARGET_MS} ms (${where})\n${lines.join('\n')}\n`);
}

async function printDevLauncher(o: Options, list: Case[]): Promise<void> {
  const withFunctions = list.filter((c) => c.name !== '');
  const dev = await measureDevLauncher(o.source, withFunctions, o.runs);
  const rows = withFunctions.map((c, i) => ({
    label: c.label,
    totals: dev[i]!.map((s) => s.total),
    up: dev[i]!.map((s) => s.up),
  }));
  const title = `the same through @vercel/node's dev launcher (vercel dev's, not the platform's; it imports @vercel/node first), Node ${process.version}, median of ${o.runs} (ms)`;
  process.stdout.write(`\n${devLauncherTable(title, rows)}\n`);
}

async function main(): Promise<number> {
  const o = await options();
  if (!o) return (process.stdout.write(`${USAGE}\n`), 0);
  progress(`scratch database on ${new URL(config().benchDatabaseUrl).host}: migrate, seed …`);
  const db = await createScratchDatabase(config().benchDatabaseUrl, 'threadbase_bench_cold');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'threadbase-bench-cold-'));
  try {
    const { token } = await seed(db.url, { conversations: 20, searchMessages: 0 });
    const list = cases(dataDir, db.url, token);
    await printColdStarts(o, list);
    if (o.devLauncher) await printDevLauncher(o, list);
    process.stdout.write(`after: ${loadLine()}\n`);
    return 0;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await db.drop();
  }
}

runScript(main);
