/**
 * pgbench on a scenario's SQL: `pgbench -n -M prepared -f <script> -c C -j 1 -T secs` (or `-t N`), its rate
 * (tps, without the initial connection time) and mean latency. pgbench reports no percentiles
 * without per-transaction logs, so p50/p99 stay empty. Skipped (null) when pgbench is not on PATH.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PgbenchResult {
  tps: number;
  latencyMs: number;
}

export function pgbenchAvailable(): boolean {
  try {
    execFileSync('pgbench', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function runPgbench(
  url: string,
  script: string,
  /** `transactions`: per client (pgbench -t) instead of a duration, for runs that must be short. */
  options: { concurrency: number; seconds: number; transactions?: number },
): Promise<PgbenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'threadbase-pgbench-'));
  try {
    const file = join(dir, 'script.sql');
    await writeFile(file, `${script}\n`);
    const args = ['-n', '-M', 'prepared', '-f', file, '-c', String(options.concurrency), '-j', '1'];
    if (options.transactions !== undefined) args.push('-t', String(Math.max(1, Math.ceil(options.transactions))), url);
    else args.push('-T', String(Math.max(1, Math.round(options.seconds))), url);
    const { stdout } = await run('pgbench', args, { maxBuffer: 4 * 1024 * 1024 });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
    const latency = /latency average = ([\d.]+) ms/.exec(stdout);
    const failed = /number of failed transactions: (\d+)/.exec(stdout);
    if (!tps?.[1] || !latency?.[1]) throw new Error(`unexpected pgbench output:\n${stdout}`);
    if (failed?.[1] && Number(failed[1]) > 0) throw new Error(`pgbench: ${failed[1]} failed transactions:\n${stdout}`);
    return { tps: Number(tps[1]), latencyMs: Number(latency[1]) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
