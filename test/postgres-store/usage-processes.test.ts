/**
 * Usage counting is atomic across processes, not only within one pool: three processes with
 * their own connection pools race 15 consumptions each against 20 remaining → exactly 20 allowed.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../lib/store/postgres/index.js';
import { createTestDatabase } from '../helpers/pg.js';
import { makeUser } from '../helpers/factories.js';

const run = promisify(execFile);
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const child = join(process.cwd(), 'test', 'postgres-store', 'fixtures', 'consume-child.ts');

describe('consumeUsage across processes', () => {
  it('3 processes × 15 concurrent calls against a daily limit of 20 → exactly 20 allowed', async () => {
    const db = await createTestDatabase();
    const store = createPostgresStore({ url: db.url });
    try {
      const user = await makeUser(store);
      const now = new Date().toISOString();
      const outputs = await Promise.all(
        [0, 1, 2].map(() =>
          run(tsx, [child, db.url, user.id, '15', '20', now], {
            // stdout must hold only the child's JSON answer: no log lines (a "slow query" warning
            // under load broke the parse).
            env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
          }),
        ),
      );
      const allowed = outputs.map((o) => (JSON.parse(o.stdout.trim()) as { allowed: number }).allowed);
      expect(allowed.reduce((a, b) => a + b, 0)).toBe(20);
      const usage = await store.getUsage(user.id, now);
      expect(usage).toMatchObject({ dailyUsed: 20, monthlyUsed: 20, totalUsed: 20 });
    } finally {
      await store.close();
      await db.drop();
    }
  }, 60_000);
});
