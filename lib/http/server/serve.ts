/**
 * Runs the server as a process: starts it, prints the "listening on" line (which humans and the
 * e2e harness read the port from), and on SIGINT/SIGTERM stops accepting, lets in-flight requests
 * finish, closes the store and exits 0 (1 when shutdown fails). Last-resort handlers
 * (lib/process/last-resort.ts) log an unhandled rejection and keep serving. Used by `npm run dev`
 * and `npm start`.
 */
import { inspect } from 'node:util';
import { describeStorage } from '../../store/index.js';
import { logger } from '../../log.js';
import { installLastResortHandlers } from '../../process/last-resort.js';
import { startServer, type StartServerOptions } from './server.js';

export async function serve(options: StartServerOptions): Promise<void> {
  installLastResortHandlers();
  const server = await startServer(options);
  // Printed regardless of LOG_LEVEL.
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

/** Runs an entry point's main; a start-up failure is printed with its stack and causes, and exits 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${inspect(error)}\n`);
    process.exit(1);
  });
}
