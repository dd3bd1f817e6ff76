/**
 * One keep-alive HTTP client per server for the JSON-store benchmark: sends a request, checks
 * its status, and times it (ms, wall clock, measured by the client over real HTTP).
 */
import { Agent, request } from 'node:http';

export interface Reply {
  status: number;
  ms: number;
  json: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export class Client {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly base: URL;

  constructor(
    url: string,
    private readonly token: string,
  ) {
    this.base = new URL(url);
  }

  send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const all: Record<string, string | number> = { authorization: `Bearer ${this.token}`, ...headers };
    if (text !== undefined) {
      all['content-type'] = 'application/json';
      all['content-length'] = Buffer.byteLength(text);
    }
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        { agent: this.agent, host: this.base.hostname, port: this.base.port, method, path, headers: all },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const ms = performance.now() - t0;
            const raw = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              ms,
              json: raw ? (JSON.parse(raw) as unknown) : null,
              headers: res.headers,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(text);
    });
  }

  /** Like send, but throws unless the status is `expected`. */
  async expect(expected: number, method: string, path: string, body?: unknown, headers?: Record<string, string>) {
    const reply = await this.send(method, path, body, headers);
    if (reply.status !== expected)
      throw new Error(`${method} ${path}: expected ${expected}, got ${reply.status} ${JSON.stringify(reply.json)}`);
    return reply;
  }

  close(): void {
    this.agent.destroy();
  }
}
