/**
 * The request deadline: one time budget (REQUEST_TIMEOUT_MS) per request, covering the wait for
 * a pool connection, connecting and running queries together. postgres.js has no queue timeout
 * and a row lock can hold a statement until statement_timeout, so without it one slow or locked
 * resource stalls every request queued behind it.
 *
 * The route pipeline makes one Deadline per request (`requestDeadline()`) and hands the handler a
 * store bound to it (`Store.forRequest`, lib/http/route.ts). It is passed explicitly, not carried
 * by AsyncLocalStorage: on Node 20 and 22 an AsyncLocalStorage in use turns on async hooks for
 * every promise of the process, measured at 35–60 µs of CPU per request (docs/decisions/0016).
 * Two places use it:
 * - the PostgreSQL store's `guard` (lib/store/postgres/errors.ts) races every store operation
 *   against it, so the request answers 503 + Retry-After (cause: DeadlineExceeded) on time even
 *   when the database does not answer at all (a frozen server, a half-open socket);
 * - the database client (db/client.ts, `DbClient.during`) cancels each statement still queued,
 *   connecting or running at the deadline, so abandoned work gives its pool connection back
 *   instead of holding it, and a transaction whose connection comes too late does nothing.
 * Without a deadline (scripts, tests, the data tools: `undefined`) nothing changes.
 */
import { config } from './config.js';
import { AppError } from './errors.js';

export interface Deadline {
  /** performance.now() at which the budget runs out. */
  readonly at: number;
  readonly budgetMs: number;
}

/** Seconds a client should wait before retrying a request that ran out of time. */
const RETRY_AFTER_SECONDS = 2;

/** The cause of a 503 for a request that ran out of its budget. */
export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
  constructor(budgetMs: number, options?: { cause?: unknown }) {
    super(`request did not finish within its ${budgetMs} ms budget (REQUEST_TIMEOUT_MS)`, options);
  }
}

/** A deadline `budgetMs` from now. */
export function newDeadline(budgetMs: number): Deadline {
  return { at: performance.now() + budgetMs, budgetMs };
}

/** One request's deadline: the configured budget, REQUEST_TIMEOUT_MS, from now. */
export function requestDeadline(): Deadline {
  return newDeadline(config().requestTimeoutMs);
}

/** Milliseconds left of `deadline` (≤ 0 when spent); undefined without one. */
export function remainingMs(deadline: Deadline | undefined): number | undefined {
  return deadline === undefined ? undefined : deadline.at - performance.now();
}

/** True when there is a deadline and it is spent. */
export function deadlinePassed(deadline: Deadline | undefined): boolean {
  const left = remainingMs(deadline);
  return left !== undefined && left <= 0;
}

/** The 503 for a request past its deadline, keeping what failed as the cause. */
export function deadlineExceeded(deadline: Deadline | undefined, cause?: unknown): AppError {
  return new AppError(503, 'unavailable', 'Storage is temporarily unavailable. Retry later.', {
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    cause: new DeadlineExceeded(deadline?.budgetMs ?? 0, { cause }),
  });
}

/**
 * Calls `onExpiry` when `deadline` passes, unless `work` settles first. Returns false (and does
 * nothing) without a deadline. `onExpiry` runs at once if already spent.
 */
export function onDeadline(deadline: Deadline | undefined, work: PromiseLike<unknown>, onExpiry: () => void): boolean {
  const left = remainingMs(deadline);
  if (left === undefined) return false;
  if (left <= 0) {
    onExpiry();
    return true;
  }
  // Whole milliseconds: node:timers keeps one list per distinct delay, so a fractional delay (every
  // `left` is one) made a new list, and a priority-queue entry, for each of the request's timers.
  const timer = setTimeout(onExpiry, Math.ceil(left));
  const clear = (): void => clearTimeout(timer);
  work.then(clear, clear);
  return true;
}

/**
 * `work`, or the deadline's 503 if `deadline` runs out first. `work` keeps running; its outcome
 * is still observed, so a late failure is never an unhandled rejection. A failure that arrives
 * once the budget is spent is the deadline's too: the cancellation that db/client.ts schedules
 * for the same instant can reject `work` before this timer fires. Without a deadline this is
 * `work` itself.
 */
export function raceDeadline<T>(deadline: Deadline | undefined, work: Promise<T>): Promise<T> {
  if (deadline === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    onDeadline(deadline, work, () => reject(deadlineExceeded(deadline)));
    work.then(resolve, (error: unknown) =>
      reject(deadlinePassed(deadline) ? deadlineExceeded(deadline, error) : error),
    );
  });
}
