/**
 * A front proxy over a Build Output API directory (`vercel build`'s `.vercel/output`): routes each
 * request with `config.json`'s routes (./routes.ts), serves `static/` files itself, and forwards
 * function requests to one process per function (./functions.ts), started on its first request —
 * a cold start, as on Vercel — and kept warm until it exits or the server closes. CI runs the HTTP
 * end-to-end suite through it against what `vercel build` produced.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startFunction, type FunctionLauncher, type FunctionProcess, type OutputFunction } from './functions.js';
import { openOutput } from './output.js';

export interface OutputServerOptions {
  /** The `.vercel/output` directory. */
  outputDir: string;
  /** Where `filePathMap` sources live; default the directory that holds `.vercel/`. */
  projectDir?: string;
  port: number;
  host?: string;
  /** The environment every function process gets. */
  env: NodeJS.ProcessEnv;
  /** Output of the function processes. */
  onOutput?: (chunk: string) => void;
  /** How each function process is started (functions.ts); default @vercel/node's launcher. */
  launcher?: FunctionLauncher;
}

export interface OutputServer {
  url: string;
  functions: readonly OutputFunction[];
  /** Milliseconds from spawn to listening, per function process started so far. */
  coldStarts(): { route: string; startMs: number }[];
  close(): Promise<void>;
}

/** Vercel buffers a function's request body and refuses more than 4.5 MB before invoking it. */
const MAX_REQUEST_BODY = 4.5 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BODY) chunks.push(chunk);
    });
    req.once('end', () => resolve(size > MAX_REQUEST_BODY ? undefined : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

const CONTENT_TYPES: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
};

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startOutputServer(options: OutputServerOptions): Promise<OutputServer> {
  const outputDir = path.resolve(options.outputDir);
  const projectDir = options.projectDir ?? path.resolve(outputDir, '..', '..');
  const { functions, byRoute, resolve } = await openOutput(outputDir, projectDir);

  const running = new Map<string, Promise<FunctionProcess>>();
  const coldStarts: { route: string; startMs: number }[] = [];
  let closing = false;

  const processFor = (route: string): Promise<FunctionProcess> => {
    let proc = running.get(route);
    if (!proc) {
      const fn = byRoute.get(route)!;
      const starting = startFunction(fn, { env: options.env, onOutput: options.onOutput, launcher: options.launcher });
      proc = starting;
      running.set(route, starting);
      starting.then(
        (p) => {
          coldStarts.push({ route, startMs: p.startMs });
          // A crashed instance is replaced by a cold start on the next request, as on Vercel.
          p.child.once('exit', () => {
            if (running.get(route) === starting) running.delete(route);
          });
        },
        () => {
          if (running.get(route) === starting) running.delete(route);
        },
      );
    }
    return proc;
  };

  const forward = async (
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    search: URLSearchParams,
  ): Promise<void> => {
    // Like Vercel's edge: the whole body first (a chunked upload arrives with Content-Length).
    const body = await readBody(req);
    if (body === undefined) return plain(res, 413, 'Request Entity Too Large\n\nFUNCTION_PAYLOAD_TOO_LARGE\n');
    const fn = await processFor(route);
    const original = new URL(req.url ?? '/', 'http://output.invalid');
    const query = search.toString();
    const headers: Record<string, string | string[] | undefined> = {
      ...req.headers,
      'x-forwarded-host': req.headers.host ?? 'localhost',
      'x-forwarded-proto': 'http',
      'x-forwarded-for': req.socket.remoteAddress ?? '127.0.0.1',
      'x-real-ip': req.socket.remoteAddress ?? '127.0.0.1',
      'x-vercel-id': `local::${Date.now().toString(36)}`,
    };
    delete headers['transfer-encoding'];
    if (body.length > 0 || req.headers['content-length'] !== undefined) headers['content-length'] = String(body.length);
    await new Promise<void>((done, fail) => {
      const upstream = httpRequest(
        `${fn.url}${original.pathname}${query ? `?${query}` : ''}`,
        { method: req.method, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.once('end', done);
          answer.once('error', fail);
        },
      );
      upstream.once('error', fail);
      upstream.end(body);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://output.invalid');
    const result = resolve(url.pathname, url.searchParams);
    if (result.kind === 'status')
      return plain(
        res,
        result.status,
        result.status === 404 ? 'The page could not be found.\n\nNOT_FOUND\n' : `${result.status}\n`,
      );
    if (result.kind === 'static') {
      const type = CONTENT_TYPES[path.extname(result.file)] ?? 'application/octet-stream';
      const { size } = await fs.stat(result.file);
      res.writeHead(200, { 'content-type': type, 'content-length': size });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(result.file).pipe(res);
      return;
    }
    await forward(req, res, result.route, result.search);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.onOutput?.(
        `vercel-output: ${req.method} ${req.url} failed: ${error instanceof Error ? error.stack : String(error)}\n`,
      );
      if (!res.headersSent) plain(res, 502, 'function invocation failed\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolveListen) => server.listen(options.port, options.host ?? '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://localhost:${port}`,
    functions,
    coldStarts: () => [...coldStarts],
    async close() {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      const procs = await Promise.allSettled([...running.values()]);
      await Promise.all(procs.map((p) => (p.status === 'fulfilled' ? p.value.stop() : undefined)));
      await closed;
    },
  };
}
