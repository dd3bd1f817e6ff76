/**
 * Stopping a child process the tools start (servers under test, benchmark targets, function
 * processes): SIGTERM, then SIGKILL if it has not exited within `graceMs` (0: SIGKILL at once).
 * Resolves with its exit code once it has exited; at once when it already had.
 */
import type { ChildProcess } from 'node:child_process';

export function stopChild(child: ChildProcess, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = graceMs > 0 ? setTimeout(() => child.kill('SIGKILL'), graceMs) : undefined;
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  });
}
