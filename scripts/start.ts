/**
 * `npm start`: the production server, compiled (dist/scripts/start.js on plain node, built by
 * `npm run build`), for long-running hosts (Railway, a VM, a container). Every route is imported
 * once before it listens; on SIGTERM it stops accepting, lets in-flight requests finish (up to
 * 10 s), closes the database pool and exits 0.
 */
import { config } from '../lib/config.js';
import { runMain, serve } from '../lib/http/server/serve.js';

/** Below the 15 s function deadline (vercel.json maxDuration), so a running request can finish. */
const DRAIN_MS = 10_000;

runMain(() => serve({ port: config().port, routes: 'at-start', drainMs: DRAIN_MS }));
