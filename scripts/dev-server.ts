/**
 * `npm run dev`: the local dev server on PORT (0 picks a free port and prints it).
 * SIGINT/SIGTERM close the server and the store, then exit. Last-resort handlers
 * (lib/process/last-resort.ts) log an unhandled rejection and keep serving.
 */
import { pathToFileURL } from 'node:url';
import { config } from '../lib/config.js';
import { startServer } from '../lib/http/dev/server.js';
import { logger } from '../lib/log.js';
import { installLastResortHandlers } from '../lib/process/last-resort.js';
import { describeStorage } from '../lib/store/index.js';

export { startServer, type RunningServer, type StartServerOptions } from '../lib/http/dev/server.js';

async function main(): Promise<void> {
  installLastResortHandlers();
  const cfg = config();
  const server = await startServer({ port: cfg.port });
  // Printed regardless of LOG_LEVEL: the test harness and humans read the port from this line.
  process.stdout.write(`Threadbase listening on ${server.url} (storage: ${describeStorage()})\n`);
  const shutdown = (signal: string): void => {
    logger.info('shutting down', { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
