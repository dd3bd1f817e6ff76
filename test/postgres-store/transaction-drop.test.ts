/**
 * A connection dropping in the middle of a transaction must not kill the process (postgres.js
 * 3.4.9 bug, porsager/postgres #1154/#1208; guarded by patches/postgres@3.4.9.patch): the
 * transaction fails as `unavailable` and the pool carries on. Runs in a child process so that an
 * unguarded crash shows up as a failed test rather than a dead test worker.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const run = promisify(execFile);
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const child = join(process.cwd(), 'test', 'postgres-store', 'fixtures', 'transaction-drop-child.ts');

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

describe('a backend dying mid-transaction', () => {
  it('killed, timed out or reset (RST): the transaction fails as unavailable, the process lives, the pool recovers', async () => {
    const env = { ...process.env, NODE_ENV: 'test' };
    // A hung pool (a query that never settles) shows up as the child being killed.
    const result = await run(tsx, [child, database.url, adminUrl()], { env, timeout: 45_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? '',
      }),
    );
    expect(result.stderr).not.toContain("Cannot read properties of null (reading 'write')");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(report.killDuringQuery).toMatch(/^unavailable:(57P01|CONNECTION_CLOSED|ECONNRESET)$/);
    expect(report.afterKill).toBe(true);
    expect(report.idleInTransactionTimeout).toMatch(/^(unavailable|internal):/);
    expect(report.afterTimeout).toBe(true);
    expect(report.resetDuringQuery).toMatch(/^unavailable:(CONNECTION_CLOSED|ECONNRESET)$/);
    expect(report.afterReset).toBe(true);
  }, 60_000);
});

describe('the postinstall patch', () => {
  it('is in place in every postgres.js build and re-running it changes nothing', async () => {
    const { stdout } = await run(process.execPath, [join(process.cwd(), 'scripts', 'patch-postgres.mjs')]);
    expect(stdout).toMatch(/src\/connection\.js: 0 hunk\(s\) applied, 11 already in place/);
    expect(stdout).toMatch(/cjs\/src\/connection\.js: 0 hunk\(s\) applied, 11 already in place/);
    expect(stdout).not.toMatch(/[1-9] hunk\(s\) applied/);
  });
});
