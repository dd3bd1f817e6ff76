/**
 * Test runner configuration. One PostgreSQL server and a migrated template database are set up
 * once per run (test/setup/global-postgres.ts); test files run in parallel worker processes,
 * each on databases of its own. The tree reporter shows each backend's describe block.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-postgres.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    reporters: ['tree'],
    env: { NODE_ENV: 'test' },
  },
});
