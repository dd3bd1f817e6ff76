/**
 * Unexpected console.error output fails the test that produced it (test/setup/console-guard.ts).
 * A test that expects such output takes it with `takeConsoleErrors()` before it ends.
 */
import { format } from 'node:util';

const KEY = Symbol.for('threadbase.test.consoleErrors');

interface Recorder {
  [KEY]?: string[];
}

function buffer(): string[] {
  const holder = globalThis as Recorder;
  holder[KEY] ??= [];
  return holder[KEY];
}

/** Records a console.error call (used by the guard). */
export function recordConsoleError(args: unknown[]): void {
  buffer().push(format(...args));
}

/** Returns and forgets the console.error output recorded so far in this test. */
export function takeConsoleErrors(): string[] {
  return buffer().splice(0);
}
