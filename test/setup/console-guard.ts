/**
 * setupFiles entry: console.error during a test is a bug unless the test says it expects it
 * (`takeConsoleErrors()` from test/helpers/console.ts), so unexpected output fails that test.
 * The output is still printed, so the failure shows what was logged.
 */
import { afterEach, beforeEach } from 'vitest';
import { recordConsoleError, takeConsoleErrors } from '../helpers/console.js';

const original = console.error.bind(console);
console.error = (...args: unknown[]): void => {
  recordConsoleError(args);
  original(...args);
};

beforeEach(() => {
  takeConsoleErrors();
});

afterEach(() => {
  const unexpected = takeConsoleErrors();
  if (unexpected.length > 0) {
    throw new Error(`unexpected console.error output during the test:\n${unexpected.join('\n')}`);
  }
});
