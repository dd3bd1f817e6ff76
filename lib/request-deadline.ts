/**
 * The request deadline: one time budget (REQUEST_TIMEOUT_MS) per request, covering the wait for
 * a pool connection, connecting and running queries together. postgres.js has no queue timeout
 * and a row lock can hold a statement until statement_timeout, so without it one slow or locked
 * resource stalls every request queued behind it.
 *
 * The route pipeline runs each handler inside `withDeadline(budget, …)`; the deadline travels
 * with the request through AsyncLocalStorage, so no parameter passing is needed. Two places use it:
 * - the PostgreSQL store's `guard` (lib/store/postgres/errors.ts) races every store operation
 *   against it, so the request answers 503 + Retry-After (cause: DeadlineExceeded) on time even
 *   when the database does not answer at all (a frozen server, a half-open socket);
 * - the database client (db/client.ts) cancels each statement still queued, connecting or
 *   running at the deadline, so abandoned work gives its pool connection back instead of
 *   holding it, and a transaction whose connection comes too late does nothing.
 * Outside a request (scripts, tests, the data tools) there is no deadline and nothing changes.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { config } from './config.js';
import { AppError } from './errors.js';

interface Deadline {
  /** performance.now() at which the budget runs out. */
  at: number;
  budgetMs: number;
}

const current = new AsyncLocalStorage<Deadline>();

/** Seconds a client should wait before retrying a request that ran out of time. */
const RETRY_AFTER_SECONDS = 2;

/** The cause of a 503 for a request that ran out of its budget. */
export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
  constructor(budgetMs: number, options?: { cause?: unknown }) {
    super(`request did not finish within its ${budgetMs} ms budget (REQUEST_TIMEOUT_MS)`, options);
  }
}

/** Runs `work` with a deadline `budgetMs` from now. */
export function withDeadline<T>(budgetMs: number, work: () => Promise<T>): Promise<T> {
  return current.run({ at: performance.now() + budgetMs, budgetMs }, work);
}

/** Runs `work` (one request) with the configured budget, REQUEST_TIMEOUT_MS. */
export function withRequestDeadline<T>(work: () => Promise<T>): Promise<T> {
  return withDeadline(config().requestTimeoutMs, work);
}

/** Milliseconds left of the current request's budget (≤ 0 when spent); undefined outside a request. */
export function remainingMs(): number | undefined {
  const d = current.getStore();
  return d === undefined ? undefined : d.at - performance.now();
}

/** True inside a request whose budget is spent. */
export function deadlinePassed(): boolean {
  const left = remainingMs();
  return left !== undefined && left <= 0;
}

/** The 503 for a request past its deadline, keeping what failed as the cause. */
export function deadlineExceeded(cause?: unknown): AppError {
  const budgetMs = current.getStore()?.budgetMs ?? 0;
  return new AppError(503, 'unavailable', 'Storage is temporarily unavailable. Retry later.', {
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    cause: new DeadlineExceeded(budgetMs, { cause }),
  });
}

/**
 * Calls `onExpiry` when the current request's deadline passes, unless `work` settles first.
 * Returns false (and does nothing) outside a request. `onExpiry` runs at once if already spent.
 */
export function onDeadline(work: PromiseLike<unknown>, onExpiry: () => void): boolean {
  const left = remainingMs();
  if (left === undefined) return false;
  if (left <= 0) {
    onExpiry();
    return true;
  }
  const timer = setTimeout(onExpiry, left);
  const clear = (): void => clearTimeout(timer);
  work.then(clear, clear);
  return true;
}

/**
 * `work`, or the deadline's 503 if the current request's budget runs out first. `work` keeps
 * running; its outcome is still observed, so a late failure is never an unhandled rejection.
 * Outside a request this is `work` itself.
 */
export function raceDeadline<T>(work: Promise<T>): Promise<T> {
  if (remainingMs() === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    onDeadline(work, () => reject(deadlineExceeded()));
    work.then(resolve, reject);
  });
}
