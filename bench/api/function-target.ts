/**
 * The built Vercel functions as a benchmark target: each request goes straight to the process of
 * the function that serves its route — the function started as the platform's Node.js runtime
 * starts it (scripts/vercel-output/platform-launcher.mjs, with the request helpers), its URL
 * rewritten by config.json's routes as the platform rewrites it (path parameters merged into the
 * query) — with no local router in between. On Vercel the proxy in front of a function is the
 * platform's, not billed as the function's CPU, and the hand-written baseline has none either; our
 * imitation of it (scripts/serve-vercel-output.ts) put one more loopback HTTP hop into every
 * latency. CPU is the function process's own. One process per route, started on first use
 * (that start is not measured: the warm-up comes first) and kept for the run, like a warm instance.
 */
import path from 'node:path';
import { startFunction, type FunctionProcess } from '../../scripts/vercel-output/functions.js';
import { openOutput } from '../../scripts/vercel-output/output.js';
import type { RequestSpec } from './load.js';
import { cpuSeconds, type Server } from './processes.js';

export interface FunctionTarget {
  /** The target for requests like `sample`: the serving function's process, with their URL rewritten. */
  serverFor(sample: RequestSpec): Promise<Server>;
  stop(): Promise<void>;
}

export async function startFunctionTarget(
  name: string,
  outputDir: string,
  env: NodeJS.ProcessEnv,
): Promise<FunctionTarget> {
  const output = await openOutput(path.resolve(outputDir));
  const running = new Map<string, Promise<FunctionProcess>>();
  let stderr = '';
  const processFor = (route: string): Promise<FunctionProcess> => {
    let proc = running.get(route);
    if (!proc) {
      const fn = output.byRoute.get(route)!;
      proc = startFunction(fn, {
        env,
        launcher: 'platform',
        onOutput: (chunk) => void (stderr = `${stderr}${chunk}`.slice(-20_000)),
      });
      running.set(route, proc);
    }
    return proc;
  };
  /** The path the function gets for `spec.path`: the same path, config.json's rewritten query. */
  const rewrite = (spec: RequestSpec): { route: string; path: string } => {
    const url = new URL(spec.path, 'http://bench.invalid');
    const to = output.resolve(url.pathname, url.searchParams);
    if (to.kind !== 'function') throw new Error(`${spec.method} ${spec.path} is not served by a function (${to.kind})`);
    const query = to.search.toString();
    return { route: to.route, path: `${url.pathname}${query ? `?${query}` : ''}` };
  };
  return {
    async serverFor(sample) {
      const { route, path: rewritten } = rewrite(sample);
      const proc = await processFor(route).catch((error: unknown) => {
        throw new Error(`function ${route} did not start:\n${stderr}`, { cause: error });
      });
      const pid = proc.child.pid ?? 0;
      return {
        name,
        url: proc.url,
        pid,
        cpu: () => cpuSeconds(pid),
        // Every request of a scenario has the same path (only headers and bodies vary).
        rewrite: (spec) =>
          spec.path === sample.path ? { ...spec, path: rewritten } : { ...spec, path: rewrite(spec).path },
        stop: () => Promise.resolve(),
      };
    },
    async stop() {
      const procs = await Promise.allSettled(running.values());
      await Promise.all(procs.map((p) => (p.status === 'fulfilled' ? p.value.stop() : undefined)));
    },
  };
}
