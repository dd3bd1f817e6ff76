/**
 * A bounded HTTP load for ops tests: a few concurrent workers appending messages to one
 * conversation (and reading it back now and then) over real sockets to a loopback server,
 * recording every answer's status, latency and Retry-After. Stops on request, or by itself at
 * `maxRequests` or `maxDurationMs`, whichever comes first.
 */
import { randomBytes } from 'node:crypto';

export interface Outcome {
  /** Sent as X-Request-Id, so the server's log lines for this request can be found. */
  requestId: string;
  kind: 'write' | 'read';
  /** HTTP status, or 0 when no HTTP answer came (connection refused/reset, or our timeout). */
  status: number;
  ms: number;
  /** When the request started, ms since the load began. */
  at: number;
  retryAfter: string | null;
  /** For writes: the content sent, unique per request. */
  content?: string;
  /** For writes answered 201: the new message's id. */
  messageId?: string;
  /** Error code for 4xx/5xx, or the fetch failure's message. */
  error?: string;
}

export interface LoadOptions {
  baseUrl: string;
  token: string;
  conversationId: string;
  workers: number;
  /** Client-side cap per request: a hang shows up as status 0 at this duration. */
  requestTimeoutMs: number;
  maxRequests: number;
  maxDurationMs: number;
}

export interface RunningLoad {
  /** Outcomes so far (live array). */
  outcomes: Outcome[];
  /** performance.now() when the load began; Outcome.at counts from here. */
  t0: number;
  /** Stops issuing requests and waits for the in-flight ones. */
  stop(): Promise<Outcome[]>;
}

interface ErrorEnvelope {
  error?: { code?: string };
}

async function request(options: LoadOptions, kind: Outcome['kind'], id: string, t0: number): Promise<Outcome> {
  const started = performance.now();
  const path = `/api/conversations/${options.conversationId}/messages`;
  const content = kind === 'write' ? `load message ${id}` : undefined;
  const requestId = id;
  const outcome: Outcome = {
    requestId,
    kind,
    status: 0,
    ms: 0,
    at: Math.round(started - t0),
    retryAfter: null,
    content,
  };
  try {
    const res = await fetch(new URL(kind === 'write' ? path : `${path}?limit=5`, options.baseUrl), {
      method: kind === 'write' ? 'POST' : 'GET',
      headers: {
        authorization: `Bearer ${options.token}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
      },
      body: kind === 'write' ? JSON.stringify({ role: 'assistant', content }) : undefined,
      signal: AbortSignal.timeout(options.requestTimeoutMs),
    });
    const body = (await res.json().catch(() => undefined)) as (ErrorEnvelope & { id?: string }) | undefined;
    outcome.status = res.status;
    outcome.retryAfter = res.headers.get('retry-after');
    if (res.status === 201) outcome.messageId = body?.id;
    if (res.status >= 400) outcome.error = body?.error?.code;
  } catch (error) {
    outcome.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  outcome.ms = Math.round(performance.now() - started);
  return outcome;
}

export function startLoad(options: LoadOptions): RunningLoad {
  const outcomes: Outcome[] = [];
  const t0 = performance.now();
  // Request ids unique across loads on the same server, so its log lines are unambiguous.
  const tag = `load-${randomBytes(3).toString('hex')}`;
  let stopped = false;
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (!stopped && issued < options.maxRequests && performance.now() - t0 < options.maxDurationMs) {
      const seq = issued++;
      // Three writes for every read: the test is about writes, reads keep the read path honest.
      const kind = seq % 4 === 3 ? 'read' : 'write';
      const outcome = await request(options, kind, `${tag}-${seq}`, t0);
      outcomes.push(outcome);
      // Bounded rate: a pause between requests keeps the load gentle on a shared 2-core machine,
      // and a longer one when the server did not answer at all (it may have died).
      await new Promise((resolve) => setTimeout(resolve, outcome.status === 0 ? 200 : 15));
    }
  };
  const running = Promise.all(Array.from({ length: options.workers }, worker));
  return {
    outcomes,
    t0,
    async stop() {
      stopped = true;
      await running;
      return outcomes;
    },
  };
}
