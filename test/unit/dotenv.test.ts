/**
 * `.env` loading (lib/config.ts loadDotEnv): a .env in the working directory fills in what the
 * environment lacks and never replaces a variable already set; NODE_ENV=test skips it. Checked
 * on an env object and on a real server process started in a directory with a .env.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDotEnv } from '../../lib/config.js';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
// `--import tsx` would resolve tsx from the child's cwd, a temp dir: name the loader's file instead.
const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'threadbase-dotenv-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadDotEnv', () => {
  it('adds missing variables and keeps every one already set, even empty ones', async () => {
    await writeFile(
      path.join(dir, '.env'),
      'PORT=4123\nLOG_LEVEL=debug\nDATABASE_URL=postgres://from-file/db\n# a comment\nexport USAGE_LIMITS=\'{"free":{"daily":5}}\'\nDATA_DIR="./with spaces" # trailing\n',
    );
    const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'warn', DATABASE_URL: '' };
    expect(loadDotEnv(env, dir)).toBe(path.join(dir, '.env'));
    expect(env).toEqual({
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      PORT: '4123',
      USAGE_LIMITS: '{"free":{"daily":5}}',
      DATA_DIR: './with spaces',
    });
  });

  it('does nothing without a .env', () => {
    const env: NodeJS.ProcessEnv = { PORT: '1' };
    expect(loadDotEnv(env, dir)).toBeUndefined();
    expect(env).toEqual({ PORT: '1' });
  });

  it("is skipped when NODE_ENV=test, so tests never see a developer's .env", async () => {
    await writeFile(path.join(dir, '.env'), 'DATABASE_URL=postgres://developer/db\n');
    const env: NodeJS.ProcessEnv = { NODE_ENV: 'test' };
    expect(loadDotEnv(env, dir)).toBeUndefined();
    expect(env).toEqual({ NODE_ENV: 'test' });
  });
});

describe('a server process started next to a .env', () => {
  it('takes DATA_DIR and PORT from the file and LOG_LEVEL from its environment', async () => {
    await writeFile(path.join(dir, '.env'), 'DATA_DIR=./store-from-dotenv\nPORT=0\nLOG_LEVEL=debug\n');
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
    for (const name of ['NODE_ENV', 'DATA_DIR', 'PORT', 'DATABASE_URL', 'VERCEL']) delete env[name];
    const child = spawn(process.execPath, ['--import', TSX_LOADER, path.join(ROOT, 'scripts', 'dev-server.ts')], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line:\n${output}`)), 30_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /^Threadbase listening on .*$/m.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[0]);
          }
        });
        child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
      });
      expect(line).toMatch(/listening on http:\/\/localhost:\d+ \(storage: json at \.\/store-from-dotenv\)/);
      expect(line).not.toContain(':3000');
      const port = /localhost:(\d+)/.exec(line)?.[1];
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(res.status).toBe(200);
      // LOG_LEVEL=silent from the environment won over the file's debug: no request log line.
      expect(output.trim()).toBe(line);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
  });
});
