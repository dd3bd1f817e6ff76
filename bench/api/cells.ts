/**
 * Measuring HTTP targets on one scenario: a warm-up each, then `rounds` rounds in which every
 * target gets an equal slice of the time, in alternating order (A B, B A, …), so a load spike on
 * this shared machine hits all targets alike instead of one of them. CPU is the target's own
 * (Server.cpu) over its measured slices only.
 */
import { quantile, runLoad, type RequestSpec } from './load.js';
import type { Server } from './processes.js';
import type { Cell } from './report.js';

export interface Timing {
  seconds: number;
  warmupSeconds: number;
  /**
   * At least this many warm-up requests per target (for at most `warmupMaxSeconds`): V8 keeps
   * optimizing for thousands of requests, and a target with more code needs more of them, so a
   * warm-up of fixed time on a slow machine would measure one target's unoptimized code.
   */
  warmupRequests?: number;
  warmupMaxSeconds?: number;
  rounds: number;
}

interface Totals {
  requests: number;
  errors: number;
  seconds: number;
  cpu: number;
  latencies: number[];
  firstError?: string;
}

export async function measureTargets(
  servers: Server[],
  next: (i: number) => RequestSpec,
  options: { status: number; concurrency: number },
  timing: Timing,
): Promise<Cell[]> {
  const load = { concurrency: options.concurrency, status: options.status };
  const nexts = servers.map((server) => (server.rewrite ? (i: number) => server.rewrite!(next(i)) : next));
  for (const [i, server] of servers.entries())
    await runLoad(server.url, nexts[i]!, {
      ...load,
      seconds: timing.warmupSeconds,
      minRequests: timing.warmupRequests,
      maxSeconds: timing.warmupMaxSeconds,
    });
  const totals: Totals[] = servers.map(() => ({ requests: 0, errors: 0, seconds: 0, cpu: 0, latencies: [] }));
  for (let round = 0; round < timing.rounds; round++) {
    const order = servers.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const server = servers[i]!;
      const t = totals[i]!;
      const cpu0 = server.cpu();
      const r = await runLoad(server.url, nexts[i]!, { ...load, seconds: timing.seconds / timing.rounds });
      t.cpu += server.cpu() - cpu0;
      t.requests += r.requests;
      t.errors += r.errors;
      t.seconds += r.seconds;
      t.latencies.push(...r.latencies);
      t.firstError ??= r.firstError;
    }
  }
  return servers.map((server, i) => toCell(server.name, totals[i]!));
}

function toCell(target: string, t: Totals): Cell {
  t.latencies.sort((a, b) => a - b);
  return {
    target,
    rps: t.requests / t.seconds,
    p50Ms: quantile(t.latencies, 0.5),
    p99Ms: quantile(t.latencies, 0.99),
    cpuMs: t.requests > 0 ? (t.cpu * 1000) / t.requests : undefined,
    errors: t.errors,
    note: t.firstError ? `first error: ${t.firstError.slice(0, 120)}` : undefined,
  };
}
