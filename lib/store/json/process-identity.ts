/**
 * Who holds the JSON store's lock, and whether that holder still runs (docs/decisions/0006).
 *
 * A holder is identified by pid, hostname and, on Linux, the machine it runs on (the kernel's
 * boot id plus the pid namespace, so two containers sharing a volume are not mistaken for one
 * machine even with equal hostnames or pids) and its start time (/proc/<pid>/stat field 22, in
 * clock ticks since boot), so a pid reused by another process after the holder died is told apart
 * from the holder. A paused process (SIGSTOP, a frozen container, a debugger) is alive.
 * Elsewhere (macOS, Windows) only hostname and pid are known.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { isProcessAlive } from './atomic-file.js';

export interface ProcessIdentity {
  pid: number;
  host: string;
  /** `<boot id>/<pid namespace>` on Linux; null where /proc is not available. */
  machine: string | null;
  /** The process's start time on its machine; null where /proc is not available. */
  start: string | null;
}

/**
 * self: this very process; alive: another process on this machine that runs (paused counts);
 * dead: one on this machine that is gone; elsewhere: on another machine (cannot be checked).
 */
export type Liveness = 'self' | 'alive' | 'dead' | 'elsewhere';

async function readProc(file: string): Promise<string | null> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}

async function readProcLink(file: string): Promise<string | null> {
  try {
    return await fs.readlink(file);
  } catch {
    return null;
  }
}

/** Field 22 (starttime) of /proc/<pid>/stat; the command name (field 2) may contain spaces and ')'. */
export async function startTimeOf(pid: number): Promise<string | null> {
  const stat = await readProc(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null; // fields[0] is field 3 (state)
}

let self: Promise<ProcessIdentity> | undefined;

/** This process's identity (computed once). */
export function selfIdentity(): Promise<ProcessIdentity> {
  self ??= (async () => {
    const [boot, pidNs, start] = await Promise.all([
      readProc('/proc/sys/kernel/random/boot_id'),
      readProcLink('/proc/self/ns/pid'),
      startTimeOf(process.pid),
    ]);
    const machine = boot !== null && pidNs !== null ? `${boot}/${pidNs}` : null;
    return { pid: process.pid, host: os.hostname(), machine, start };
  })();
  return self;
}

/** Whether the process that wrote `holder` still runs. Never 'dead' for a live (even paused) process. */
export async function livenessOf(holder: Partial<ProcessIdentity> & { pid: number }): Promise<Liveness> {
  const me = await selfIdentity();
  const sameMachine = holder.machine && me.machine ? holder.machine === me.machine : holder.host === me.host;
  if (!sameMachine) return 'elsewhere';
  if (holder.pid === me.pid && (!holder.start || me.start === null || holder.start === me.start)) return 'self';
  if (!isProcessAlive(holder.pid)) return 'dead';
  if (holder.start && me.start !== null) {
    const now = await startTimeOf(holder.pid);
    // null: the process just exited, or /proc hides it (hidepid); only a different start time is proof.
    if (now !== null && now !== holder.start) return 'dead';
  }
  return 'alive';
}
