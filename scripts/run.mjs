/**
 * Runs one of our scripts the way package.json names it: `node scripts/run.mjs migrate [args]`.
 * With tsx installed (a dev dependency: a development checkout, CI, `vercel build`) it runs the
 * TypeScript source, scripts/<name>.ts, so a checkout never runs a stale build. Without it (a
 * production install: `npm run build && npm ci --omit=dev`) it runs the compiled
 * dist/scripts/<name>.js on plain node. `--compiled` always runs the compiled file (`npm start`).
 * When the file it needs is missing it says what to run. Plain JavaScript: it runs before any
 * build. The script runs in this process (argv as if it had been started directly), so its
 * exit code and signal handling are its own.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const compiledOnly = args[0] === '--compiled';
if (compiledOnly) args.shift();
const name = args.shift();
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  process.stderr.write('usage: node scripts/run.mjs [--compiled] <script name> [args...]\n');
  process.exit(2);
}

function tsxInstalled() {
  try {
    import.meta.resolve('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

const source = path.join(root, 'scripts', `${name}.ts`);
const compiled = path.join(root, 'dist', 'scripts', `${name}.js`);
let target;
if (!compiledOnly && tsxInstalled()) {
  const { register } = await import('tsx/esm/api');
  register();
  target = source;
} else if (existsSync(compiled)) {
  target = compiled;
} else {
  const why = compiledOnly ? '' : ' (tsx, a dev dependency, is not installed, so scripts run compiled)';
  process.stderr.write(
    `${path.relative(process.cwd(), compiled)} does not exist${why}: run \`npm run build\` first ` +
      '(it needs the dev dependencies: `npm ci && npm run build`, then `npm ci --omit=dev` if you want them gone).\n',
  );
  process.exit(1);
}
process.argv = [process.argv[0], target, ...args];
await import(pathToFileURL(target).href);
