/**
 * Test runner configuration. One PostgreSQL server and a migrated template database are set up
 * once per run (test/setup/global-postgres.ts); test files run in parallel worker processes,
 * each on databases of its own. The tree reporter shows each backend's describe block.
 */
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-postgres.ts'],
    setupFiles: ['test/setup/console-guard.ts'],
    pool: 'forks',
    // Files mostly wait on PostgreSQL, the file system and child processes, so run more of them
    // than there are cores (vitest's default is cores - 1: a single worker on 2 cores). Measured
    // here: 4 workers 205 s, 6 workers 157 s for the full suite. `--maxWorkers=N` overrides.
    maxWorkers: Math.max(6, availableParallelism()),
    testTimeout: 20_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    reporters: ['tree'],
    env: { NODE_ENV: 'test' },
  },
});
