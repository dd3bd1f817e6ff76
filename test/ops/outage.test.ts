/**
 * PostgreSQL goes away in the middle of write traffic and comes back. The real dev server (a
 * child process, DATABASE_CONNECT_TIMEOUT=2) must answer only 2xx/503 (+ Retry-After; 429 would be
 * allowed), never hang past the connect timeout plus a margin, never lose a write it confirmed
 * with 201, and serve again in the same process once PostgreSQL is back — no restart.
 * This is also the reproduction of the postgres.js 3.4.9 crash on a connection dropped
 * mid-transaction (porsager/postgres #1154): if the server process dies, its stderr is printed.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../db/migrate.js';
import { databaseUrl, withAdmin } from '../helpers/pg-admin.js';
import { api, startTestServer, type TestServer } from '../e2e/harness.js';
import { startOwnPostgres, type OwnPostgres } from './helpers/own-postgres.js';
import { startLoad, type Outcome } from './helpers/load.js';
import { summarize, type Phases } from './helpers/outage-report.js';

const CONNECT_TIMEOUT_S = 2;
/** Allowed latency above the connect timeout: scheduling on a loaded 2-core machine. */
const MARGIN_MS = 3000;
const OUTAGE_MS = 4000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function allMessageIds(call: ReturnType<typeof api>, token: string, conversationId: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await call<{ items: { id: string }[]; nextCursor: string | null }>(
      'GET', `/api/conversations/${conversationId}/messages?limit=100${query}`, { token });
    expect(page.status).toBe(200);
    for (const m of page.body.items) ids.add(m.id);
    cursor = page.body.nextCursor;
  } while (cursor);
  return ids;
}

/** Waits until a write started after the restart got 201; false if none did within `limitMs`. */
async function waitForRecovery(outcomes: Outcome[], afterMs: number, limitMs: number): Promise<boolean> {
  const started = Date.now();
  while (!outcomes.some((o) => o.at >= afterMs && o.status === 201)) {
    if (Date.now() - started > limitMs) return false;
    await sleep(100);
  }
  return true;
}

describe('PostgreSQL outage under write load', () => {
  let pg: OwnPostgres;
  let server: TestServer | undefined;

  beforeAll(async () => {
    pg = await startOwnPostgres();
    await withAdmin(pg.url, (sql) => sql.unsafe('CREATE DATABASE threadbase'));
    const url = databaseUrl(pg.url, 'threadbase');
    await migrate(url);
    server = await startTestServer(
      { env: { DATABASE_URL: url } },
      { DATABASE_CONNECT_TIMEOUT: String(CONNECT_TIMEOUT_S), DATABASE_POOL_MAX: '3', LOG_LEVEL: 'info' },
    );
  });

  afterAll(async () => {
    try {
      await server?.stop();
    } finally {
      await pg?.destroy();
    }
  });

  it('answers 503 + Retry-After fast, loses no confirmed write, recovers without a restart', async () => {
    const srv = server ?? expect.fail('server not started');
    const call = api(srv.url);
    const id = randomBytes(5).toString('hex');
    const reg = await call<{ token: string }>('POST', '/api/auth/register', {
      json: { email: `outage-${id}@example.test`, username: `outage_${id}`, password: 'password-123' },
    });
    expect(reg.status, srv.output()).toBe(201);
    const token = reg.body.token;
    const conv = await call<{ id: string }>('POST', '/api/conversations', { json: { title: 'outage' }, token });
    expect(conv.status).toBe(201);

    const load = startLoad({
      baseUrl: srv.url, token, conversationId: conv.body.id,
      workers: 6, requestTimeoutMs: 15_000, maxRequests: 4000, maxDurationMs: 45_000,
    });
    await sleep(1500);
    const phases: Phases = { down: performance.now() - load.t0, up: 0 };
    await pg.stop();
    await sleep(OUTAGE_MS);
    await pg.start();
    phases.up = performance.now() - load.t0;
    const recovered = await waitForRecovery(load.outcomes, phases.up, 20_000);
    if (recovered) await sleep(1000);
    const outcomes = await load.stop();

    const report = summarize(outcomes, phases);
    process.stdout.write(`[outage] ${JSON.stringify(report)}\n`);
    const output = srv.output();
    const logFile = join(tmpdir(), `threadbase-outage-${Date.now()}.log`);
    await writeFile(logFile, `${JSON.stringify(outcomes)}\n${output}`);
    process.stdout.write(`[outage] outcomes and server output: ${logFile}\n`);
    // The server's log lines of the slowest requests: what happened to request X.
    const traced = report.slowest.map((s) => s.requestId);
    const trace = output.split('\n').filter((l) => traced.some((rid) => l.includes(`"${rid}"`))).join('\n');
    process.stdout.write(`[outage] server log of the slowest requests:\n${trace}\n`);
    const after = outcomes.filter((o) => o.at >= phases.up).slice(-8);
    expect(recovered, `no 201 within 20 s of the restart; last answers ${JSON.stringify(after)}\n${output.slice(-3000)}`).toBe(true);
    expect(output, 'server output shows a crash').not.toMatch(/TypeError|Unhandled|uncaught/i);
    expect(report.noAnswer, `requests without an HTTP answer (server died, or hung in postgres.js's reconnect backoff?):\n${output.slice(-3000)}`).toBe(0);
    expect(report.unexpectedStatuses, output.slice(-4000)).toEqual([]);
    expect(report.serviceUnavailable, 'the outage was never observed').toBeGreaterThan(0);
    expect(report.unavailableWithoutRetryAfter).toBe(0);
    // Seconds-long waits that end in ECONNREFUSED mean postgres.js's reconnect backoff (default
    // 0.5–1 × min(3^failures / 100, 20) s) is in force: db/client.ts must cap it (`backoff`).
    expect(report.slowestMs, JSON.stringify(report.slowest)).toBeLessThanOrEqual(CONNECT_TIMEOUT_S * 1000 + MARGIN_MS);

    // Every write confirmed with 201 is there, read back through the same (never restarted) server.
    const stored = await allMessageIds(call, token, conv.body.id);
    const confirmed = outcomes.filter((o) => o.status === 201).map((o) => o.messageId);
    expect(confirmed.filter((m) => m === undefined || !stored.has(m))).toEqual([]);
    const health = await call<{ status: string }>('GET', '/api/health');
    expect(health.status).toBe(200);
  }, 120_000);
});
