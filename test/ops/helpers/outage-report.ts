/**
 * Condenses an outage load run into the figures the outage test asserts on and prints: answers
 * per status and phase, the slowest answer (overall and while PostgreSQL was down), and anything
 * outside the allowed statuses.
 */
import type { Outcome } from './load.js';

/** When PostgreSQL was stopped and started again, in ms since the load began. */
export interface Phases {
  down: number;
  up: number;
}

export interface OutageReport {
  requests: number;
  byStatus: Record<string, number>;
  /** Statuses seen while PostgreSQL was down (plus the restart). */
  duringOutage: Record<string, number>;
  serviceUnavailable: number;
  unavailableWithoutRetryAfter: number;
  /** Requests that got no HTTP answer at all (connection refused/reset or client timeout). */
  noAnswer: number;
  unexpectedStatuses: { status: number; kind: string; error?: string }[];
  slowestMs: number;
  slowestDuringOutageMs: number;
  writesConfirmed: number;
  /** The five slowest requests, for the log. */
  slowest: Pick<Outcome, 'requestId' | 'kind' | 'status' | 'ms' | 'at' | 'error'>[];
}

const ALLOWED = new Set([200, 201, 429, 503]);

function countBy(outcomes: Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[String(o.status)] = (counts[String(o.status)] ?? 0) + 1;
  return counts;
}

export function summarize(outcomes: Outcome[], phases: Phases[]): OutageReport {
  const during = outcomes.filter((o) => phases.some((p) => o.at + o.ms >= p.down && o.at <= p.up));
  const unavailable = outcomes.filter((o) => o.status === 503);
  return {
    requests: outcomes.length,
    byStatus: countBy(outcomes),
    duringOutage: countBy(during),
    serviceUnavailable: unavailable.length,
    unavailableWithoutRetryAfter: unavailable.filter((o) => !o.retryAfter || !/^\d+$/.test(o.retryAfter)).length,
    noAnswer: outcomes.filter((o) => o.status === 0).length,
    unexpectedStatuses: outcomes
      .filter((o) => o.status !== 0 && !ALLOWED.has(o.status))
      .map((o) => ({ status: o.status, kind: o.kind, error: o.error })),
    slowestMs: Math.max(0, ...outcomes.map((o) => o.ms)),
    slowestDuringOutageMs: Math.max(0, ...during.map((o) => o.ms)),
    writesConfirmed: outcomes.filter((o) => o.status === 201).length,
    slowest: [...outcomes]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5)
      .map(({ requestId, kind, status, ms, at, error }) => ({ requestId, kind, status, ms, at, error })),
  };
}
