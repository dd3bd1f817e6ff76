/**
 * The last-resort process handlers (lib/process/last-resort.ts) in a real child process: an
 * unhandled rejection is logged with the recognisable line and the process keeps running; an
 * uncaught exception is logged and the process exits with status 1.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface Ran {
  code: number | null;
  stderr: string;
  stdout: string;
}

function runScript(body: string): Promise<Ran> {
  const script = `
    import { installLastResortHandlers } from './lib/process/last-resort.ts';
    installLastResortHandlers();
    ${body}
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('last-resort process handlers', () => {
  it('log an unhandled rejection whatever LOG_LEVEL says, and keep the process running', async () => {
    const ran = await runScript(`
      Promise.reject(Object.assign(new Error('boom from nowhere'), { code: '57014' }));
      setTimeout(() => { process.stdout.write('still alive\\n'); process.exit(0); }, 300);
    `);
    expect(ran.stdout).toContain('still alive');
    expect(ran.code).toBe(0);
    const line = JSON.parse(
      ran.stderr
        .trim()
        .split('\n')
        .find((l) => l.includes('"msg"')) ?? '{}',
    ) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'error', msg: 'unhandled rejection', action: 'kept serving' });
    expect(line.error).toMatchObject({ message: 'boom from nowhere', code: '57014' });
  }, 20_000);

  it('log an uncaught exception, then exit with status 1', async () => {
    const ran = await runScript(`
      setTimeout(() => { throw new Error('thrown from a timer'); }, 10);
      setTimeout(() => { process.stdout.write('still alive\\n'); }, 500);
    `);
    expect(ran.code).toBe(1);
    expect(ran.stdout).not.toContain('still alive');
    expect(ran.stderr).toContain('"msg":"uncaught exception"');
    expect(ran.stderr).toContain('thrown from a timer');
  }, 20_000);
});
