/**
 * Smoke test of a production install, run by scripts/ci/fresh-checkout.sh inside a copy of the
 * checkout after `npm ci && npm run build && npm ci --omit=dev` (so no tsx, no TypeScript):
 * the production server (`node dist/scripts/start.js`, the documented start command) on a JSON
 * store and on PostgreSQL answers HTTP, and SIGTERM sent to it while a request is in flight lets
 * that request finish (200) before it exits 0; `npm start` answers too and stops when its process
 * group gets SIGTERM (npm 11 itself exits on SIGTERM without passing it on, so SIGTERM to the
 * npm process alone would orphan the server); `npm run db:migrate` applies the migrations to a
 * fresh database and `npm run db:migrate:status` reads them.
 * Plain JavaScript on purpose: nothing here may need a dev dependency.
 *
 *   node scripts/ci/prod-smoke.mjs <admin PostgreSQL URL (may create databases)>
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';

const adminUrl = process.argv[2];
if (!adminUrl) {
  process.stderr.write('usage: node scripts/ci/prod-smoke.mjs <admin postgres url>\n');
  process.exit(2);
}
const START_TIMEOUT_MS = 30_000;
let failures = 0;
let passes = 0;

function check(name, ok, detail = '') {
  if (ok) passes++;
  else failures++;
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}\n`);
}

/** Environment for the children: this one's, minus anything that would pick storage for them. */
function childEnv(extra) {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'DATABASE_MIGRATION_URL', 'DATA_DIR', 'PORT', 'NODE_ENV', 'VERCEL'])
    delete env[name];
  return { ...env, PASSWORD_SCRYPT_LOG_N: '10', LOG_LEVEL: 'warn', ...extra };
}

function npm(args, env) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** `node dist/scripts/start.js`, or `npm start` in a process group of its own; resolves on the listening line. */
function startServer(env, viaNpm) {
  const [command, args] = viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, ['dist/scripts/start.js']];
  const child = spawn(command, args, {
    env: { ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: viaNpm,
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no listening line within ${START_TIMEOUT_MS} ms:\n${output}`)),
      START_TIMEOUT_MS,
    );
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const port = /listening on http:\/\/localhost:(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before listening:\n${output}`));
    });
  });
  return { child, listening, exited, output: () => output };
}

async function call(base, method, urlPath, body, token) {
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await fetch(new URL(urlPath, base), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** POST /api/auth/login with the body sent in two halves; `between` runs after the first half. */
function slowLogin(base, credentials, between) {
  const payload = Buffer.from(JSON.stringify(credentials));
  const half = Math.floor(payload.length / 2);
  return new Promise((resolve, reject) => {
    const url = new URL('/api/auth/login', base);
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': payload.length } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on('error', reject);
    req.write(payload.subarray(0, half));
    // Give the server time to start handling the request before `between` (the SIGTERM).
    setTimeout(() => {
      void between().then(() => req.end(payload.subarray(half)), reject);
    }, 300);
  });
}

async function exercise(label, env, expectStorage) {
  const server = startServer(env, false);
  try {
    const base = await server.listening;
    const health = await call(base, 'GET', '/api/health');
    check(
      `${label}: GET /api/health 200 on ${expectStorage}`,
      health.status === 200 && health.body?.storage === expectStorage,
      JSON.stringify(health),
    );
    if (expectStorage === 'postgres')
      check(`${label}: no pending migrations`, health.body?.migrations?.pending === 0, JSON.stringify(health.body));
    const user = {
      email: `smoke-${Date.now()}@example.com`,
      username: `smoke${Date.now()}`,
      password: 'correct horse battery',
    };
    const reg = await call(base, 'POST', '/api/auth/register', user);
    check(`${label}: POST /api/auth/register 201`, reg.status === 201, JSON.stringify(reg));
    const list = await call(base, 'GET', '/api/conversations?limit=20', undefined, reg.body?.token);
    check(`${label}: GET /api/conversations 200`, list.status === 200, JSON.stringify(list));
    let sentAt = 0;
    const inFlight = await slowLogin(base, { login: user.username, password: user.password }, async () => {
      sentAt = Date.now();
      server.child.kill('SIGTERM');
      // Stop accepting shows as a refused connection; the in-flight request must not be cut.
      await new Promise((r) => setTimeout(r, 300));
    });
    check(
      `${label}: request in flight during SIGTERM finishes with 200`,
      inFlight.status === 200,
      JSON.stringify(inFlight),
    );
    const exit = await server.exited;
    check(
      `${label}: the server exits 0 after SIGTERM (${Date.now() - sentAt} ms)`,
      exit.code === 0,
      `${JSON.stringify(exit)}\n${server.output()}`,
    );
  } catch (error) {
    check(`${label}: server run`, false, error instanceof Error ? error.message : String(error));
    server.child.kill('SIGKILL');
  }
}

async function refused(base) {
  try {
    await fetch(new URL('/api/health', base));
    return false;
  } catch {
    return true;
  }
}

async function exerciseNpmStart(env) {
  const server = startServer(env, true);
  const group = -server.child.pid;
  try {
    const base = await server.listening;
    const health = await call(base, 'GET', '/api/health');
    check('npm start: GET /api/health 200', health.status === 200, JSON.stringify(health));
    process.kill(group, 'SIGTERM');
    await server.exited;
    await new Promise((r) => setTimeout(r, 500));
    check('npm start: stopped by SIGTERM to its process group', await refused(base), server.output());
  } catch (error) {
    check('npm start: server run', false, error instanceof Error ? error.message : String(error));
  } finally {
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      // The group is gone: nothing left to stop.
    }
  }
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'threadbase-smoke-'));
  const dbName = `tb_prodsmoke_${Date.now().toString(36)}_${Math.random().toString(16).slice(2, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  try {
    await exercise('json', childEnv({ DATA_DIR: dataDir }), 'json');
    await exerciseNpmStart(childEnv({ DATA_DIR: dataDir }));

    await admin.unsafe(`create database "${dbName}"`);
    const pgEnv = childEnv({ DATABASE_URL: dbUrl.toString() });
    const migrated = await npm(['db:migrate'], pgEnv);
    check(
      'db:migrate applies the migrations to a fresh database',
      migrated.code === 0 && /\b[1-9]\d* applied now/.test(migrated.output),
      migrated.output,
    );
    const status = await npm(['db:migrate:status'], pgEnv);
    check('db:migrate:status: 0 pending', status.code === 0 && / 0 pending\./.test(status.output), status.output);
    await exercise('postgres', pgEnv, 'postgres');
  } finally {
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`).catch(() => undefined);
    await admin.end({ timeout: 5 });
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.stdout.write(`prod-smoke: ${passes} passed, ${failures} failed\n`);
  process.exit(failures === 0 ? 0 : 1);
}

await main();
