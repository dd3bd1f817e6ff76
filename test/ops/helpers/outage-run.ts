/**
 * Drives one outage scenario against a running dev server: a bounded load on a fresh user's
 * conversation while its PostgreSQL is stopped and started `cycles` times, waiting after each
 * restart until a write succeeds again. Leaves the assertions to the test.
 */
import { randomBytes } from 'node:crypto';
import { api, type TestServer } from '../../e2e/harness.js';
import { startLoad, type Outcome } from './load.js';
import type { OwnPostgres } from './own-postgres.js';
import type { Phases } from './outage-report.js';

export interface OutagePlan {
  workers: number;
  cycles: number;
  /** How long PostgreSQL stays down in each cycle. */
  downMs: number;
  /** 'stop' (default): the server shuts down, connections are refused; 'freeze': it hangs, SIGSTOP. */
  fault?: 'stop' | 'freeze';
}

export interface OutageRun {
  token: string;
  conversationId: string;
  outcomes: Outcome[];
  phases: Phases[];
  /** False when, after some restart, no write succeeded within 20 s. */
  recovered: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until a write started after `afterMs` got 201; false if none did within `limitMs`. */
async function waitForRecovery(outcomes: Outcome[], afterMs: number, limitMs: number): Promise<boolean> {
  const started = Date.now();
  while (!outcomes.some((o) => o.at >= afterMs && o.status === 201)) {
    if (Date.now() - started > limitMs) return false;
    await sleep(100);
  }
  return true;
}

async function registerWithConversation(baseUrl: string): Promise<{ token: string; conversationId: string }> {
  const call = api(baseUrl);
  const id = randomBytes(5).toString('hex');
  const reg = await call<{ token: string }>('POST', '/api/auth/register', {
    json: { email: `outage-${id}@example.test`, username: `outage_${id}`, password: 'password-123' },
  });
  if (reg.status !== 201) throw new Error(`register answered ${reg.status}: ${JSON.stringify(reg.body)}`);
  const conv = await call<{ id: string }>('POST', '/api/conversations', {
    json: { title: 'outage' },
    token: reg.body.token,
  });
  if (conv.status !== 201) throw new Error(`create conversation answered ${conv.status}`);
  return { token: reg.body.token, conversationId: conv.body.id };
}

export async function runOutage(server: TestServer, pg: OwnPostgres, plan: OutagePlan): Promise<OutageRun> {
  const { token, conversationId } = await registerWithConversation(server.url);
  const load = startLoad({
    baseUrl: server.url,
    token,
    conversationId,
    workers: plan.workers,
    requestTimeoutMs: 15_000,
    maxRequests: 4000,
    maxDurationMs: 60_000,
  });
  const phases: Phases[] = [];
  let recovered = true;
  await sleep(1500);
  for (let cycle = 0; cycle < plan.cycles && recovered; cycle++) {
    const down = performance.now() - load.t0;
    if (plan.fault === 'freeze') await pg.freeze();
    else await pg.stop();
    await sleep(plan.downMs);
    if (plan.fault === 'freeze') await pg.thaw();
    else await pg.start();
    const up = performance.now() - load.t0;
    phases.push({ down, up });
    recovered = await waitForRecovery(load.outcomes, up, 20_000);
    if (recovered) await sleep(1000);
  }
  const outcomes = await load.stop();
  return { token, conversationId, outcomes, phases, recovered };
}
