/**
 * A function process as Vercel's Node.js runtime starts one, for `npm run bench:cold` (one cold
 * start per process), for `npm run bench:api` (the built function as it measures it) and for
 * `serve-vercel-output.ts --launcher platform` — without @vercel/node's dev launcher, which forwards
 * every request through undici to a second server in the same process: started with plain `node` in the function's
 * directory, it does what Vercel's Node.js launcher does for a `launcherType: "Nodejs"` function —
 * imports the handler file named by `.vc-config.json` (`PLATFORM_LAUNCHER_HANDLER`, an absolute path), adds
 * Vercel's request/response helpers when `shouldAddHelpers` is set (`PLATFORM_LAUNCHER_HELPERS=1`, see
 * ./platform-helpers.mjs) and serves it through node:http — and reports, on fd 3, when each step
 * ended (wall-clock milliseconds, comparable with the parent's clock):
 *
 *   {"entered", "imported", "listening", "port"}          once listening
 *   {"arrived", "finished", "db": {...}}                  after the first response (only)
 *
 * `db` times the first PostgreSQL connection by watching node:net (postgres.js opens plain
 * sockets): when the socket was asked for, when TCP connected, and how many request/answer
 * round trips it made before the response finished. Nothing else in the function is touched.
 * An empty PLATFORM_LAUNCHER_HANDLER serves a handler that only answers 200: the floor of node + node:http.
 * Plain JavaScript, no dependencies: it runs where the function's own files are.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { addHelpers } from './platform-helpers.mjs';

// Built-ins through require, as Vercel's (CommonJS) launcher loads them: on Node 24 an ESM
// `import 'node:http'` builds a facade of every export, whose lazy getters load undici (≈15 ms of
// require('node:http') becomes 30–120 ms), a cost of this launcher that the platform's has not.
const require = createRequire(import.meta.url);
const { writeSync } = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const { performance } = require('node:perf_hooks');

const wall = () => performance.timeOrigin + performance.now();
const entered = wall();
const report = (fields) => writeSync(3, `${JSON.stringify(fields)}\n`);

/** The first socket this process opens (the database's): its timings and round trips. */
const db = { requested: undefined, connected: undefined, roundTrips: 0 };
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function watchedConnect(...args) {
  if (db.requested !== undefined) return connect.apply(this, args);
  db.requested = wall();
  this.once('connect', () => (db.connected = wall()));
  // After connect(): it resets an own `write` property to the prototype's.
  const socket = connect.apply(this, args);
  let waiting = false;
  const write = this.write;
  this.write = (...chunk) => ((waiting = true), write.apply(this, chunk));
  this.on('data', () => {
    if (waiting) db.roundTrips += 1;
    waiting = false;
  });
  return socket;
};

async function loadHandler(file) {
  if (!file) return (_req, res) => res.end('ok');
  let handler = await import(pathToFileURL(file).href);
  for (let i = 0; i < 5 && typeof handler !== 'function'; i++) handler = handler.default;
  if (typeof handler !== 'function') throw new Error(`${file} exports no default function`);
  return handler;
}

const handler = await loadHandler(process.env.PLATFORM_LAUNCHER_HANDLER);
const imported = wall();
const helpers = process.env.PLATFORM_LAUNCHER_HELPERS === '1';
let first = true;

const server = http.createServer(async (req, res) => {
  if (first) {
    first = false;
    const arrived = wall();
    res.once('finish', () => report({ arrived, finished: wall(), db }));
  }
  if (helpers) await addHelpers(req, res);
  await handler(req, res);
});
server.listen(0, '127.0.0.1', () => {
  report({ entered, imported, listening: wall(), port: server.address().port });
});
