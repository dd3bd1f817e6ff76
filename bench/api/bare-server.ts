/**
 * Bare node:http: answers every request with a fixed JSON body of `?bytes=` length (default 1 KiB),
 * with no database and no work: the ceiling of what one node process serves here.
 *
 *   node bench/api/bare-server.ts   (through tsx)    # prints "listening on http://…"
 */
import { createServer } from 'node:http';

const bodies = new Map<number, Buffer>();
function bodyOf(bytes: number): Buffer {
  let body = bodies.get(bytes);
  if (!body) {
    body = Buffer.from(`{"x":"${'a'.repeat(Math.max(0, bytes - 8))}"}`);
    bodies.set(bytes, body);
  }
  return body;
}

const server = createServer((req, res) => {
  const match = /[?&]bytes=(\d+)/.exec(req.url ?? '');
  const body = bodyOf(Math.min(Number(match?.[1] ?? 1024), 10_000_000));
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`bare listening on http://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
