/**
 * The serverless functions of a Build Output API directory (`.vercel/output/functions/**.func`),
 * each run in a process of its own the way @vercel/node runs a Node.js function: the handler named
 * by its `.vc-config.json`, loaded by @vercel/node's own launcher (`dist/dev-server.mjs`, what
 * `vercel dev` runs), which wraps it with @vercel/node's request/response helpers (`req.query`,
 * `req.body`, `req.cookies`, `res.status/json/send`) when `shouldAddHelpers` is set — or, for
 * measuring the function itself, by ./platform-launcher.mjs (`launcher: 'platform'`). The process
 * runs plain node (no tsx), in the function's directory, like a Lambda in /var/task.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { stopChild } from '../../lib/process/stop-child.js';

const require = createRequire(import.meta.url);

/** @vercel/node's launcher: imports the entrypoint, adds the helpers, serves it on 127.0.0.1. */
export const VERCEL_NODE_LAUNCHER = path.join(path.dirname(require.resolve('@vercel/node')), 'dev-server.mjs');
/** What the platform's Node.js runtime does instead, imitated (./platform-launcher.mjs). */
export const PLATFORM_LAUNCHER = fileURLToPath(new URL('./platform-launcher.mjs', import.meta.url));

/** Where deployFunctions() keeps its copies (scripts/ci/vercel-build-and-e2e.sh removes it). */
export const DEPLOY_ROOT = path.join(tmpdir(), 'threadbase-vercel-output');
const START_TIMEOUT_MS = 30_000;
/** The launcher ignores its IPC channel closing; this makes a function exit when its server dies (even by SIGKILL). */
const EXIT_WITH_PARENT = `--import=data:text/javascript,${encodeURIComponent("process.on('disconnect',()=>process.exit(0))")}`;
const STOP_TIMEOUT_MS = 5_000;

const vcConfigSchema = z.object({
  handler: z.string().min(1),
  runtime: z.string(),
  launcherType: z.string().optional(),
  shouldAddHelpers: z.boolean().optional(),
  environment: z.record(z.string(), z.string()).optional(),
  maxDuration: z.number().optional(),
  /** Path inside the function → path in the project; `vercel deploy` uploads these into the function. */
  filePathMap: z.record(z.string(), z.string()).optional(),
});
export type VcConfig = z.infer<typeof vcConfigSchema>;

export interface OutputFunction {
  /** URL path the function answers, e.g. `/api/conversations/[id]` or `/api/conversations/index`. */
  route: string;
  dir: string;
  config: VcConfig;
}

/** Every `*.func` under `<outputDir>/functions`, with its parsed `.vc-config.json`. */
export async function listFunctions(outputDir: string): Promise<OutputFunction[]> {
  const root = path.join(outputDir, 'functions');
  const found: OutputFunction[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dir, entry.name);
      if (!entry.name.endsWith('.func')) {
        await walk(full);
        continue;
      }
      const raw: unknown = JSON.parse(await fs.readFile(path.join(full, '.vc-config.json'), 'utf8'));
      const route = `/${path
        .relative(root, full)
        .split(path.sep)
        .join('/')
        .replace(/\.func$/, '')}`;
      found.push({ route, dir: full, config: vcConfigSchema.parse(raw) });
    }
  }
  await walk(root);
  return found;
}

/**
 * Copies the files of `filePathMap` (vercel.json's includeFiles) from the project into the
 * function, as a deployment does; `vercel build` only records them.
 */
async function materializeFiles(fn: OutputFunction, projectDir: string): Promise<void> {
  for (const [inside, source] of Object.entries(fn.config.filePathMap ?? {})) {
    const target = path.join(fn.dir, inside);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(path.join(projectDir, source), target);
  }
}

/**
 * The functions as a deployment holds them: a copy of `<outputDir>/functions` outside the project
 * (so a module the bundle lacks is not found in the project's node_modules, as on Vercel), with
 * the includeFiles copied in; `.vercel/output` itself stays as `vercel build` left it. One copy
 * per build (keyed by config.json's identity) in the temp directory, shared by every server on it;
 * built under a private name and renamed into place, so concurrent servers are safe.
 */
export async function deployFunctions(outputDir: string, projectDir: string): Promise<OutputFunction[]> {
  const id = await fs.stat(path.join(outputDir, 'config.json'));
  const key = createHash('sha1')
    .update(`${path.resolve(outputDir)}:${id.ino}:${id.mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
  const root = path.join(DEPLOY_ROOT, key);
  const done = await fs.stat(path.join(root, '.complete')).then(
    () => true,
    () => false,
  );
  if (!done) {
    const staging = `${root}.${process.pid}.tmp`;
    await fs.rm(staging, { recursive: true, force: true });
    await fs.cp(path.join(outputDir, 'functions'), path.join(staging, 'functions'), {
      recursive: true,
      verbatimSymlinks: true,
    });
    for (const fn of await listFunctions(staging)) await materializeFiles(fn, projectDir);
    await fs.writeFile(path.join(staging, '.complete'), '');
    // Another server may have finished first; its copy is as good as ours.
    await fs.rename(staging, root).catch(() => fs.rm(staging, { recursive: true, force: true }));
  }
  return listFunctions(root);
}

export interface FunctionProcess {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly child: ChildProcess;
  /** Milliseconds from spawning the process to its server listening (the handler imported). */
  readonly startMs: number;
  stop(): Promise<number | null>;
}

export interface StartFunctionOptions {
  /** The function's environment (its `.vc-config.json` environment is added on top). */
  env: NodeJS.ProcessEnv;
  /** Receives everything the process writes to stdout and stderr. */
  onOutput?: (chunk: string) => void;
  /**
   * `vercel-dev` (default): @vercel/node's own launcher, Vercel's code, but `vercel dev`'s: it
   * forwards each request through undici to a second server in the same process. `platform`:
   * ./platform-launcher.mjs, the handler served directly as the platform's runtime does, with the
   * request helpers; for measuring a function's own cost (npm run bench:api).
   */
  launcher?: FunctionLauncher;
}

export type FunctionLauncher = 'vercel-dev' | 'platform';

const addressMessage = z.object({ port: z.number().int() });

/** Starts one function process; resolves when @vercel/node's launcher reports its port. */
export function startFunction(fn: OutputFunction, options: StartFunctionOptions): Promise<FunctionProcess> {
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    ...fn.config.environment,
    VERCEL_DEV_ENTRYPOINT: fn.config.handler,
    VERCEL_DEV_CONFIG: JSON.stringify({ helpers: fn.config.shouldAddHelpers !== false }),
    VERCEL_DEV_PORT: '0',
  };
  // The function runs the built JavaScript on plain node: no loader of the parent's (tsx).
  delete env.NODE_OPTIONS;
  const started = performance.now();
  const child = launch(fn, env, options.launcher ?? 'vercel-dev');
  const forward = (chunk: Buffer): void => options.onOutput?.(chunk.toString());
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`function ${fn.route} did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      reject(new Error(`function ${fn.route} exited (code ${code}, signal ${signal}) before listening`));
    };
    child.once('exit', onExit);
    firstMessage(child, options.launcher ?? 'vercel-dev', (message: unknown) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      const parsed = addressMessage.safeParse(message);
      if (!parsed.success) {
        child.kill('SIGKILL');
        reject(new Error(`function ${fn.route} sent an unexpected first message: ${JSON.stringify(message)}`));
        return;
      }
      resolve({
        url: `http://127.0.0.1:${parsed.data.port}`,
        child,
        startMs: performance.now() - started,
        stop: () => stopChild(child, STOP_TIMEOUT_MS),
      });
    });
  });
}

/** What tells ./platform-launcher.mjs which handler to serve ('' an empty one) and whether with the helpers. */
export function platformLauncherEnv(handler: string, helpers: boolean): Record<string, string> {
  return { PLATFORM_LAUNCHER_HANDLER: handler, PLATFORM_LAUNCHER_HELPERS: helpers ? '1' : '0' };
}

function launch(fn: OutputFunction, env: NodeJS.ProcessEnv, launcher: FunctionLauncher): ChildProcess {
  if (launcher === 'vercel-dev')
    return fork(VERCEL_NODE_LAUNCHER, [], {
      cwd: fn.dir,
      env,
      execArgv: [EXIT_WITH_PARENT],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
  const launcherEnv = {
    ...env,
    ...platformLauncherEnv(path.join(fn.dir, fn.config.handler), fn.config.shouldAddHelpers !== false),
  };
  // fd 3: the launcher's reports (its port first); the IPC channel only tells it the parent is gone.
  return spawn(process.execPath, [EXIT_WITH_PARENT, PLATFORM_LAUNCHER], {
    cwd: fn.dir,
    env: launcherEnv,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'ipc'],
  });
}

/** The launcher's first message: @vercel/node's over IPC, the platform launcher's as fd 3's first JSON line. */
function firstMessage(child: ChildProcess, launcher: FunctionLauncher, onMessage: (message: unknown) => void): void {
  if (launcher === 'vercel-dev') {
    child.once('message', onMessage);
    return;
  }
  const reports = child.stdio[3] as Readable;
  let buffered = '';
  let sent = false;
  reports.setEncoding('utf8');
  // Read to the end, so the launcher's later reports never fill the pipe.
  reports.on('data', (chunk: string) => {
    if (sent) return;
    buffered += chunk;
    const end = buffered.indexOf('\n');
    if (end < 0) return;
    sent = true;
    let message: unknown;
    try {
      message = JSON.parse(buffered.slice(0, end)) as unknown;
    } catch {
      message = buffered.slice(0, end);
    }
    onMessage(message);
  });
}
