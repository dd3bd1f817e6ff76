/**
 * `npm run build`: compiles api/, lib/, db/ and scripts/ to JavaScript in dist/ (tsconfig.build.json)
 * and copies the migration SQL next to the compiled migrator, so dist/ runs on plain node with
 * production dependencies only. dist/ is emptied first: a deleted route must not live on there.
 * Plain JavaScript, like scripts/run.mjs, because it runs before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const dist = path.join(root, 'dist');

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write(
    'build: TypeScript is not installed. Build with dev dependencies (`npm ci`), then `npm ci --omit=dev` if you want a production install.\n',
  );
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
cpSync(path.join(root, 'db', 'migrations'), path.join(dist, 'db', 'migrations'), { recursive: true });
process.stdout.write(`build: compiled to ${path.relative(process.cwd(), dist) || '.'}/\n`);
