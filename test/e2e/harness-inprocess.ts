/**
 * In-process test servers for pipeline behaviour that needs a handler of the test's own making
 * (a thrown Error, a thrown ZodError) or a runtime that buffers the body first like Vercel's.
 * Still real HTTP over a real socket; only the handler is ours.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { addHelpers } from '../../lib/http/server/vercel-helpers.js';

export interface InProcessServer {
  url: string;
  close(): Promise<void>;
}

type Handler = (req: VercelRequest, res: VercelResponse) => Promise<void>;

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * What @vercel/node's runtime does when a Content-Type is present: drain the stream, then expose
 * a lazy `req.body` that parses JSON on first access and throws on malformed input.
 */
async function bufferLikeVercel(req: IncomingMessage): Promise<void> {
  if (req.headers['content-type'] === undefined) return;
  const raw = await readAll(req);
  const json = (req.headers['content-type'] ?? '').startsWith('application/json');
  Object.defineProperty(req, 'body', {
    configurable: true,
    get: () => {
      if (!json) return raw.toString();
      const text = raw.toString();
      if (!text) return {};
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw Object.assign(new Error('Invalid JSON'), { statusCode: 400 });
      }
    },
  });
}

export async function serveHandler(handler: Handler, options: { bufferBody?: boolean } = {}): Promise<InProcessServer> {
  const server = createServer((req, res) => {
    void (async () => {
      if (options.bufferBody) await bufferLikeVercel(req);
      const helpers = addHelpers(req, res, {});
      await handler(helpers.req, helpers.res);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** A POST whose body is streamed in chunks with no Content-Length (Transfer-Encoding: chunked). */
export function postChunked(url: string, path: string, totalBytes: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = (): void => {
      while (sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}
