/**
 * `npm run dev`: the server for development, TypeScript through tsx, on PORT (0 picks a free
 * port and prints it). Routes are imported on each request, so a route file added while it runs
 * is served. SIGINT/SIGTERM close the server and the store, then exit.
 */
import { config } from '../lib/config.js';
import { runMain, serve } from '../lib/http/server/serve.js';

runMain(() => serve({ port: config().port }));
