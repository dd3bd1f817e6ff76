/**
 * npm run bench:profile -- [--scenario search] [--seconds 10] [--concurrency 1] [--top 25] [--keep-profiles] [--syscalls]
 *
 * Where one benchmarked request's CPU goes, in Threadbase's production server and in the
 * hand-written baseline side by side (issue 13: "profiles, not guesses"). Seeds a scratch database
 * as `npm run bench:api` does, starts both servers under `node --cpu-prof`, drives the scenario
 * at the given concurrency for the same time each, stops them and prints, per server: CPU per
 * request from /proc (every thread) and from the profile (main thread), then main-thread
 * microseconds per request by where the code lives (a package, node's internals, our module,
 * GC) and by function. `--syscalls` counts each server's system calls per request over the
 * measured slice instead (`strace -c -f` attached to it, no profiler; needs strace): where a
 * round trip or a socket write costs more than the code around it, the count is what differs. Nothing here is timed
 * against a target; it is for finding the cost.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { config } from '../../lib/config.js';
import { UsageError, intFlag, numberFlag, parseCli, stringFlag } from '../../lib/cli-args.js';
import { runScript } from '../../lib/data-transfer/cli.js';
import { createScratchDatabase, type ScratchDatabase } from '../scratch-database.js';
import { runLoad } from './load.js';
import { startServer, type Server } from './processes.js';
import { BASELINE, THREADBASE } from './report.js';
import { BENCH_USAGE_LIMITS, scenarios } from './scenarios.js';
import { seed } from './seed.js';

const USAGE =
  'usage: npm run bench:profile -- [--scenario search] [--seconds 10] [--concurrency 1] [--top 25] [--keep-profiles] [--syscalls]';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package, node's own code, one of our modules, or the VM. */
function place(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const ours = /\/(?:dist\/)?((?:api|lib|db|scripts|bench)\/.+)$/.exec(url);
  return ours ? ours[1]! : url;
}

interface Summary {
  /** Main-thread microseconds (not idle), by place and by function. */
  busyUs: number;
  byPlace: Map<string, number>;
  byFunction: Map<string, number>;
}

function summarise(profile: CpuProfile): Summary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return;
    const us = profile.timeDeltas[i] ?? 0;
    busyUs += us;
    const where = place(frame.url, frame.functionName);
    byPlace.set(where, (byPlace.get(where) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  });
  return { busyUs, byPlace, byFunction };
}

function readProfile(dir: string): CpuProfile {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}: the server did not exit cleanly`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
}

function top(map: Map<string, number>, requests: number, n: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => `  ${(us / requests).toFixed(1).padStart(8)} µs  ${name}`);
}

/** Attaches `strace -c -f` to `pid`; the returned stop() detaches it and resolves to calls per syscall. */
async function countSyscalls(pid: number, file: string): Promise<() => Promise<Map<string, number>>> {
  const child = spawn('strace', ['-c', '-f', '-q', '-o', file, '-p', String(pid)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`strace could not run (${error.message}): install it or drop --syscalls`)),
    );
    child.once('exit', () => resolve());
  });
  await Promise.race([new Promise((resolve) => setTimeout(resolve, 500)), exited]);
  return async () => {
    child.kill('SIGINT');
    await exited;
    const counts = new Map<string, number>();
    // "% time  seconds  usecs/call  calls  [errors]  syscall"
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 5 || !/^\d/.test(cols[0]!) || cols.at(-1) === 'total') continue;
      counts.set(cols.at(-1)!, Number(cols[3]));
    }
    return counts;
  };
}

async function main(): Promise<number> {
  const args = parseCli(
    process.argv.slice(2),
    {
      scenario: { type: 'string' },
      seconds: { type: 'string' },
      concurrency: { type: 'string' },
      top: { type: 'string' },
      'keep-profiles': { type: 'boolean' },
      syscalls: { type: 'boolean' },
    },
    USAGE,
  );
  if (args.values.help) return (process.stdout.write(`${USAGE}\n`), 0);
  const wanted = stringFlag(args.values.scenario, 'search');
  const seconds = numberFlag(args.values.seconds, 'seconds', 10);
  const concurrency = intFlag(args.values.concurrency, 'concurrency', 1);
  const topN = intFlag(args.values.top, 'top', 25);
  if (!existsSync('dist/scripts/start.js')) throw new UsageError('no dist/scripts/start.js: run `npm run build` first');
  const serverUrl = config().benchDatabaseUrl;
  const dir = mkdtempSync(join(tmpdir(), 'threadbase-profile-'));
  const servers: Server[] = [];
  let scratch: ScratchDatabase | undefined;
  try {
    scratch = await createScratchDatabase(serverUrl, 'threadbase_bench_profile');
    const dbUrl = scratch.url;
    const data = await seed(dbUrl, { conversations: 200, searchMessages: 2000 });
    const scenario = scenarios(data).find((s) => s.name === wanted);
    if (!scenario)
      throw new UsageError(
        `no scenario "${wanted}"; one of: ${scenarios(data)
          .map((s) => `"${s.name}"`)
          .join(', ')}`,
      );
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', NODE_ENV: 'production' };
    for (const name of ['DATA_DIR', 'VERCEL', 'CORS_ORIGINS', 'DATABASE_PREPARE']) delete env[name];
    // Not both: the profiler's SIGPROF would be most of the system calls counted.
    const profiling = !args.values.syscalls;
    const prof = (who: string) => (profiling ? ['--cpu-prof', '--cpu-prof-dir', join(dir, who)] : []);
    servers.push(
      await startServer(THREADBASE, [...prof('threadbase'), 'dist/scripts/start.js'], {
        ...env,
        PORT: '0',
        DATABASE_URL: dbUrl,
        DATABASE_POOL_MAX: '3',
        USAGE_LIMITS: JSON.stringify(BENCH_USAGE_LIMITS),
      }),
      await startServer(BASELINE, [...prof('baseline'), '--import', 'tsx', 'bench/api/baseline-server.ts', dbUrl], env),
    );
    const load = { concurrency, status: scenario.status };
    const measured: { requests: number; cpu: number; syscalls?: Map<string, number> }[] = [];
    for (const server of servers) {
      await runLoad(server.url, scenario.request, { ...load, seconds: 2, minRequests: 2000, maxSeconds: 15 });
      const detach = args.values.syscalls
        ? await countSyscalls(server.pid, join(dir, `${server.pid}.strace`))
        : undefined;
      const cpu0 = server.cpu();
      const r = await runLoad(server.url, scenario.request, { ...load, seconds });
      measured.push({ requests: r.requests, cpu: server.cpu() - cpu0, syscalls: await detach?.() });
      process.stderr.write(`profile: ${server.name}: ${r.requests} requests in ${r.seconds.toFixed(1)} s\n`);
    }
    await Promise.all(servers.splice(0).map((s) => s.stop()));
    for (const [i, who] of ['threadbase', 'baseline'].entries()) {
      const { requests, cpu, syscalls } = measured[i]!;
      process.stdout.write(
        `\n${i === 0 ? THREADBASE : BASELINE} — ${scenario.name}, concurrency ${concurrency}: ` +
          `${((cpu * 1e6) / requests).toFixed(0)} µs CPU/request (/proc, all threads, measured slice${syscalls ? ', under strace' : ''})\n`,
      );
      if (syscalls) {
        const lines = [...syscalls.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, topN)
          .map(([call, n]) => `  ${(n / requests).toFixed(2).padStart(8)}  ${call}`);
        process.stdout.write(`system calls per request (strace -c, measured slice):\n${lines.join('\n')}\n`);
        continue;
      }
      const s = summarise(readProfile(join(dir, who)));
      // The profile covers the whole process life (start-up and warm-up too): per-request figures
      // divide by every request served, warm-up included.
      const served = requests + Math.round((requests / seconds) * 2);
      process.stdout.write(
        `main thread busy ${(s.busyUs / served).toFixed(0)} µs/request (profile, ~${served} requests incl. warm-up and start-up)\n` +
          `by place:\n${top(s.byPlace, served, topN).join('\n')}\n` +
          `by function (self time):\n${top(s.byFunction, served, topN).join('\n')}\n`,
      );
    }
    if (args.values['keep-profiles']) process.stderr.write(`profiles kept in ${dir} (open in Chrome DevTools)\n`);
    return 0;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    if (!args.values['keep-profiles']) rmSync(dir, { recursive: true, force: true });
    await scratch?.drop();
  }
}

runScript(main);
