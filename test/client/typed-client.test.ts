/**
 * The typed client (client/) as a frontend uses it: every-endpoint.ts type-checks under its own
 * strict tsconfig without skipLibCheck and without casts, then runs against the real server
 * process on each backend, calling every endpoint of docs/openapi.json.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { backends } from '../helpers/backends.js';
import { useE2e } from '../e2e/api-fixture.js';
import { publicMessage } from '../../lib/messages/present.js';
import { runEveryEndpoint } from './every-endpoint.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const program = fileURLToPath(new URL('./every-endpoint.ts', import.meta.url));

describe('the typed client program', () => {
  it('compiles with tsc --strict and no skipLibCheck (test/client/tsconfig.json)', async () => {
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    const run = promisify(execFile)(process.execPath, [tsc, '-p', 'test/client/tsconfig.json'], { cwd: root });
    await expect(
      run.then(
        () => 'compiled',
        (error: { stdout?: string }) => error.stdout ?? String(error),
      ),
    ).resolves.toBe('compiled');
  }, 180_000);

  it('has no casts or ts-comments', () => {
    const code = readFileSync(program, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '');
    expect(code).not.toMatch(/\sas\s/);
    expect(code).not.toMatch(/@ts-/);
    expect(code).not.toMatch(/[(=,:]\s*<[A-Za-z][\w.]*>/);
  });
});

describe.each(backends)('the typed client against the server ($name)', (backend) => {
  const e2e = useE2e(backend);

  it('calls every endpoint and gets what the contract says', async () => {
    const tag = randomBytes(5).toString('hex');
    const report = await runEveryEndpoint(e2e.server().url, tag);
    expect(report.healthStatus).toBe('ok');
    expect(report.registeredUsername).toBe(`u_${tag}`);
    expect(report.loginUsername).toBe(`u_${tag}`);
    expect(report.meEmail).toBe(`${tag}@example.test`);
    expect(report.tokenListed).toBe(true);
    expect(report.tokenRevokedStatus).toBe(204);
    expect(report.conversationTitles).toEqual(['typed, renamed']);
    expect(report.renamedTitle).toBe('typed, renamed');
    expect(report.plainMessage).toMatchObject({ role: 'user', content: 'plain words', metadata: {} });
    expect(report.richMessage).toMatchObject({
      role: 'assistant',
      metadata: { model: 'gpt-x', nested: { a: [1, 'b'] } },
    });
    expect(report.replayedId).toBe(report.richMessage.id);
    // The bodies the client typed from the document really have the documented shape, no more.
    for (const message of [report.plainMessage, report.richMessage])
      expect(publicMessage.strict().safeParse(message).error).toBeUndefined();
    expect(report.messageIds).toEqual([report.plainMessage.id, report.richMessage.id]);
    expect(report.conversationMessageCount).toBe(2);
    expect(report.usageDailyUsed).toBe(0);
    expect(report.searchHits).toBe(1);
    expect(report.requestIdHeader).toMatch(/^[0-9a-f-]{36}$/);
    expect(report.unauthorized).toEqual({ status: 401, code: 'unauthorized', requestIdMatches: true });
    expect(report.deletedStatus).toBe(204);
    expect(report.missingAfterDelete).toBe('not_found');
    expect(report.logoutStatus).toBe(204);
    expect(report.afterLogout).toBe('unauthorized');
  });
});
