/**
 * The processes the benchmark measures: spawned, found listening (their "listening on" line), and
 * charged for CPU from /proc/<pid>/stat (utime + stime, in clock ticks), so a figure is the
 * server's own CPU, not the load generator's.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { stopChild } from '../../lib/process/stop-child.js';
import type { RequestSpec } from './load.js';

export interface Server {
  name: string;
  url: string;
  pid: number;
  /** CPU seconds charged to this target so far (default: the process itself). */
  cpu(): number;
  stop(): Promise<void>;
  /** The request as this target must get it (default: unchanged); see function-target.ts. */
  rewrite?(spec: RequestSpec): RequestSpec;
}

const START_TIMEOUT_MS = 30_000;

/** Starts `node <args>` with `env` and resolves once it prints "listening on http://…". */
export function startServer(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cpuOf: (pid: number) => number = cpuSeconds,
): Promise<Server> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      const url = match[1].replace('//localhost:', '//127.0.0.1:');
      const pid = child.pid ?? 0;
      resolve({ name, url, pid, cpu: () => cpuOf(pid), stop: () => stopChild(child, 10_000).then(() => undefined) });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 100_000) output = output.slice(-50_000);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}, signal ${signal}) before listening:\n${output}`));
    });
  });
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const out = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isFinite(out) && out > 0 ? out : 100;
  }
  return ticksPerSecond;
}

/** CPU seconds (user + system) the process `pid` has used so far, all its threads included. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}
