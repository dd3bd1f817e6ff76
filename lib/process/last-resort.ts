/**
 * Last-resort process handlers for the long-running servers (`npm run dev` / `npm start`; the
 * production entry calls the same function). Nothing should ever reach them: the store turns
 * every database failure into an AppError, and the postgres.js patch keeps the driver from
 * rejecting promises nobody holds. They exist so a bug there costs one log line, not the process.
 *
 * - unhandledRejection: logged, and the server keeps serving. A rejected promise nobody awaits
 *   has already done its damage (its caller saw the error or never cared); the process state is
 *   intact, and Node's default (exit 1) would take every other in-flight request down with it.
 * - uncaughtException: logged, then the process exits with status 1. A throw that unwound an
 *   arbitrary stack may have left half-updated state (a lock held, a counter off, a socket in
 *   the middle of a message); continuing is unsafe, so we let the supervisor restart us.
 *
 * The lines are written whatever LOG_LEVEL says (an operator must always see them), in the
 * logger's JSON shape with `msg` set to one of LAST_RESORT_MESSAGES; the e2e harness fails a test
 * whose server printed one.
 */
import { redact } from '../log.js';

export const LAST_RESORT_MESSAGES = { rejection: 'unhandled rejection', exception: 'uncaught exception' } as const;

let installed = false;

function emit(message: string, fields: Record<string, unknown>): void {
  const line = { time: new Date().toISOString(), level: 'error', msg: message, ...fields };
  process.stderr.write(`${JSON.stringify(redact(line))}\n`);
}

/** Installs the handlers once per process; later calls do nothing. */
export function installLastResortHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    emit(LAST_RESORT_MESSAGES.rejection, { error: reason, action: 'kept serving' });
  });
  process.on('uncaughtException', (error, origin) => {
    emit(LAST_RESORT_MESSAGES.exception, { error, origin, action: 'exiting' });
    process.exit(1);
  });
}
