/**
 * The load generator: `concurrency` workers over keep-alive node:http connections, each sending
 * its next request as soon as the previous answer has been read, for a fixed time. Latencies are
 * kept per request; a response with another status than expected counts as an error.
 */
import { Agent, request } from 'node:http';

export interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  /** Milliseconds, sorted ascending. */
  latencies: number[];
  firstError?: string;
}

function send(agent: Agent, base: URL, spec: RequestSpec): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...spec.headers };
    if (spec.body !== undefined) headers['content-length'] = Buffer.byteLength(spec.body);
    const req = request(
      { agent, host: base.hostname, port: base.port, method: spec.method, path: spec.path, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(spec.body);
  });
}

/**
 * Runs `next(i)` requests against `url` at `concurrency` for `seconds` — and on until at least
 * `minRequests` were sent, for at most `maxSeconds` in all — expecting `status`.
 */
export async function runLoad(
  url: string,
  next: (i: number) => RequestSpec,
  options: { concurrency: number; seconds: number; status: number; minRequests?: number; maxSeconds?: number },
): Promise<LoadResult> {
  const base = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let issued = 0;
  const started = performance.now();
  const end = started + options.seconds * 1000;
  const hardEnd = started + Math.max(options.seconds, options.maxSeconds ?? 0) * 1000;
  const minRequests = options.minRequests ?? 0;
  const more = (): boolean => {
    const now = performance.now();
    return now < end || (issued < minRequests && now < hardEnd);
  };
  async function worker(): Promise<void> {
    while (more()) {
      const t0 = performance.now();
      try {
        const res = await send(agent, base, next(issued++));
        if (res.status !== options.status) {
          errors += 1;
          firstError ??= `${res.status} ${res.text.slice(0, 300)}`;
        }
      } catch (error) {
        errors += 1;
        firstError ??= String(error);
      }
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds, latencies, firstError };
}

/** The q-quantile (0–1) of sorted values. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
