/**
 * Cold start of a built Vercel function: a fresh process (scripts/vercel-output/functions.ts,
 * @vercel/node's launcher) to its first complete response, 5 times each, median reported, for
 * GET /api/health and an authenticated GET /api/me, on the JSON store and on PostgreSQL.
 * Measurement only; nothing here fails on a slow figure.
 *
 *   node --import tsx scripts/ci/vercel-cold-start.ts [.vercel/output] <migrated postgres url>
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deployFunctions, startFunction, type OutputFunction } from '../vercel-output/functions.js';

const RUNS = 5;

interface Sample {
  listeningMs: number;
  firstResponseMs: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function coldRequest(
  fn: OutputFunction,
  env: NodeJS.ProcessEnv,
  urlPath: string,
  headers: Record<string, string>,
): Promise<Sample> {
  const started = performance.now();
  const proc = await startFunction(fn, { env });
  try {
    const res = await fetch(`${proc.url}${urlPath}`, { headers });
    await res.text();
    if (res.status !== 200) throw new Error(`${urlPath} answered ${res.status}`);
    return { listeningMs: proc.startMs, firstResponseMs: performance.now() - started };
  } finally {
    await proc.stop();
  }
}

async function register(fn: OutputFunction, env: NodeJS.ProcessEnv): Promise<string> {
  const proc = await startFunction(fn, { env });
  try {
    const res = await fetch(`${proc.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `cold-${Date.now()}@example.com`,
        username: `cold_${Date.now()}`,
        password: 'correct horse battery',
      }),
    });
    const body = (await res.json()) as { token?: string };
    if (res.status !== 201 || body.token === undefined) throw new Error(`register answered ${res.status}`);
    return body.token;
  } finally {
    await proc.stop();
  }
}

async function main(): Promise<void> {
  const outputDir = path.resolve(process.argv[2] ?? '.vercel/output');
  const databaseUrl = process.argv[3];
  if (databaseUrl === undefined) throw new Error('usage: vercel-cold-start.ts <outputDir> <migrated postgres url>');
  const functions = await deployFunctions(outputDir, path.resolve(outputDir, '..', '..'));
  const byRoute = (route: string): OutputFunction => {
    const fn = functions.find((f) => f.route === route);
    if (!fn) throw new Error(`no function ${route} in ${outputDir}`);
    return fn;
  };

  const dataDir = await mkdtemp(path.join(tmpdir(), 'threadbase-cold-'));
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
    PASSWORD_SCRYPT_LOG_N: '10',
  };
  delete base.DATABASE_URL;
  delete base.VERCEL;
  const backends: [string, NodeJS.ProcessEnv][] = [
    ['json', { ...base, DATA_DIR: dataDir }],
    ['postgres', { ...base, DATABASE_URL: databaseUrl }],
  ];
  try {
    console.log(`cold start, fresh process → first response, ${RUNS} runs, Node ${process.version} (ms)`);
    for (const [name, env] of backends) {
      const token = await register(byRoute('/api/auth/register'), env);
      const cases: [string, OutputFunction, string, Record<string, string>][] = [
        ['GET /api/health', byRoute('/api/health'), '/api/health', {}],
        ['GET /api/me (token)', byRoute('/api/me'), '/api/me', { authorization: `Bearer ${token}` }],
      ];
      for (const [label, fn, urlPath, headers] of cases) {
        const samples: Sample[] = [];
        for (let i = 0; i < RUNS; i++) samples.push(await coldRequest(fn, env, urlPath, headers));
        const first = samples.map((s) => Math.round(s.firstResponseMs));
        const listening = samples.map((s) => Math.round(s.listeningMs));
        console.log(
          `  ${name.padEnd(8)} ${label.padEnd(20)} median ${median(first)} (runs ${first.join(', ')}); ` +
            `of which launcher up: median ${median(listening)}`,
        );
      }
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error('vercel-cold-start: failed:', error);
  process.exit(1);
});
