/**
 * Serves what `vercel build` produced (default `.vercel/output`) the way Vercel runs it: static
 * files, config.json's routes, one @vercel/node process per function (scripts/vercel-output/).
 * CI runs the HTTP end-to-end suite against it (E2E_TARGET=vercel-output, test/e2e/harness.ts).
 *
 *   node --import tsx scripts/serve-vercel-output.ts [--launcher vercel-dev|platform] [.vercel/output]
 *                                                                     # PORT=0 picks a free port
 * `--launcher platform` serves each function the way the platform's runtime does
 * (scripts/vercel-output/platform-launcher.mjs) instead of through @vercel/node's dev launcher,
 * which forwards every request through undici to a second server (as `npm run bench:api` starts the
 * functions it measures, though it sends requests to them directly, without this router).
 *
 * The functions get this process's environment: DATABASE_URL or DATA_DIR as usual; set VERCEL=1
 * to run them as on Vercel (the JSON store is then read-only). SIGINT/SIGTERM, or the parent
 * process going away, stop everything.
 */
import path from 'node:path';
import { config } from '../lib/config.js';
import { UsageError, parseCli } from '../lib/cli-args.js';
import type { FunctionLauncher } from './vercel-output/functions.js';
import { startOutputServer } from './vercel-output/server.js';

const USAGE = 'usage: serve-vercel-output.ts [--launcher vercel-dev|platform] [.vercel/output]';

function launcherOf(value: unknown): FunctionLauncher {
  if (value === undefined || value === 'vercel-dev' || value === 'platform') return value ?? 'vercel-dev';
  throw new UsageError(`--launcher must be vercel-dev or platform, got ${String(value)}\n${USAGE}`);
}

async function main(): Promise<void> {
  const args = parseCli(process.argv.slice(2), { launcher: { type: 'string' } }, USAGE);
  if (args.values.help) return void process.stdout.write(`${USAGE}\n`);
  const outputDir = path.resolve(args.positionals[0] ?? '.vercel/output');
  const server = await startOutputServer({
    outputDir,
    port: config().port,
    env: process.env,
    onOutput: (chunk) => process.stdout.write(chunk),
    launcher: launcherOf(args.values.launcher),
  });
  // The test harness reads the port from this line (same shape as the dev server's).
  process.stdout.write(
    `Vercel output listening on ${server.url} (${server.functions.length} functions from ${outputDir})\n`,
  );
  const shutdown = (): void => {
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  // A parent that dies without stopping us (a test worker killed on timeout) must not leave this
  // server and its function processes running: re-parented means orphaned.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) shutdown();
  }, 1000).unref();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
